// Lint: ESLint's and typescript-eslint's recommended rules over all TypeScript.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.tools/**', '.gan/**', '.gan-demo/**', 'test-artifacts/**', 'schemas/**', 'webview-ui/dev/out/**', '.devicekit/**', '.devicekit-pack/**', '.gl/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The trainer loads optional native backends with require() on purpose.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Dev scripts that also run code inside a browser page (page.evaluate).
    files: ['webview-ui/dev/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
