// Lint: typed rules (floating promises are errors) and the context boundaries of docs/ARCHITECTURE.md,
// enforced with ESLint's own no-restricted-imports: shared imports no context; content and page code
// never import the worker; extension pages (popup, options, tester, events, ui) reach the worker only
// through messages; the CLI runs the worker's site-owner modules in Node and nothing else imports it.
// Import cycles are found by test/unit/layout.test.ts.
import tseslint from 'typescript-eslint'

const CONTEXTS = ['background', 'content', 'page', 'popup', 'options', 'tester', 'events', 'history', 'welcome', 'ui', 'cli']
const PAGES = ['popup', 'options', 'tester', 'events', 'history', 'welcome', 'ui']

/** Forbids imports that reach into the named source folders (relative or absolute). */
const boundary = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [
        ...forbidden.map((dir) => ({ regex: `(^|/)(src/)?${dir}/`, message })),
        { regex: '(^|/)test/', message: 'Product code never imports test code.' },
      ],
    }],
  },
})

export default tseslint.config(
  { ignores: ['dist/', 'dist-firefox/', 'packages/', 'node_modules/', '.tmp/'] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
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
    },
  },
  boundary(['src/shared/**'], CONTEXTS, 'src/shared is imported by every context and imports none of them.'),
  boundary(['src/content/**'], ['background', 'page', 'cli', ...PAGES], 'Content scripts never import worker, page or UI code.'),
  boundary(['src/page/**'], ['background', 'content', 'cli', ...PAGES], 'The page script runs in the page\'s world: shared code only.'),
  boundary(PAGES.map((p) => `src/${p}/**`), ['background', 'content', 'page', 'cli'], 'Extension pages talk to the worker through messages only.'),
  boundary(['src/background/**'], ['content', 'page', 'cli', ...PAGES], 'The worker imports shared code only.'),
  boundary(['src/cli/**'], ['content', 'page', ...PAGES], 'The CLI runs worker modules in Node; it has no page.'),
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['src/background/platform/shims/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
)
