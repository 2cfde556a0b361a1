// Lint: typed rules (floating promises are errors) and the context boundaries of docs/ARCHITECTURE.md:
// shared imports no context; content and page code never import the worker; UI pages only talk to it.
import importX from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

const zone = (target, from, message) => ({ target, from, message })

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tmp/'] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-invalid-void-type': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
      'import-x/no-restricted-paths': ['error', {
        zones: [
          zone('./src/shared', ['./src/background', './src/content', './src/page', './src/popup', './src/options', './src/ui'], 'src/shared is imported by every context and imports none of them.'),
          zone('./src/content', ['./src/background', './src/popup', './src/options', './src/ui'], 'Content scripts never import worker or UI code.'),
          zone('./src/page', ['./src/background', './src/content', './src/popup', './src/options', './src/ui'], 'The page script runs in the page\'s world: shared code only.'),
          zone('./src/popup', ['./src/background', './src/content'], 'Extension pages talk to the worker through messages only.'),
          zone('./src/options', ['./src/background', './src/content'], 'Extension pages talk to the worker through messages only.'),
          zone('./src/ui', ['./src/background', './src/content'], 'Extension pages talk to the worker through messages only.'),
          zone('./src/background', ['./src/content', './src/page', './src/popup', './src/options', './src/ui'], 'The worker imports shared code only.'),
          zone('./src', ['./test'], 'Product code never imports test code.'),
        ],
      }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['src/background/shims/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
)
