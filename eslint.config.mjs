// ESLint with typescript-eslint's type-checked rules, run by `npm run lint` in `npm test`.
// Import boundaries are dependency-cruiser's job (.dependency-cruiser.cjs).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/runs/**', 'bots/k6/script/**', 'bots/browser/page/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Fire-and-forget is written `void promise`; the rule holds everything else to it.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // An async method with no await implements a promise-returning interface (close(), leave()).
      '@typescript-eslint/require-await': 'off',
      // A variable a closure reads, assigned once after it is made (a server's handler, a receiver set later).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Only bin/ (the CLI's exit codes) and core/child-exit.ts end the process.
      'no-restricted-properties': ['error', { object: 'process', property: 'exit', message: 'return an exit code to bin/, or end a child process with endChild() (core/child-exit.ts)' }],
    },
  },
  {
    // The CLI, and the test's stand-in for k6's CLI.
    files: ['bin/**/*.ts', 'test/helpers/fake-k6.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // node:test's describe() and it() return promises the runner awaits itself.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    // Code that runs in the report page through page.evaluate: DOM values, untyped in Node's lib.
    files: ['test/e2e/report-html.test.ts'],
    rules: { '@typescript-eslint/no-unsafe-call': 'off', '@typescript-eslint/no-unsafe-member-access': 'off', '@typescript-eslint/no-unsafe-return': 'off', '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
);
