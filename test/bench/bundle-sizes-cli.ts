// `npx tsx test/bench/bundle-sizes-cli.ts`: the bundle sizes alone (npm run build and build:firefox first).
import { bundleSectionNow } from './bundle-sizes.ts'

console.log(bundleSectionNow())
