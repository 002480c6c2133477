import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import {importX} from 'eslint-plugin-import-x';

/** The layers of DESIGN.md: imports only point down. Each zone names a folder and what it may not import. */
const layers = {
  apdu: ['card', 'pki', 'upgrade', 'screens', 'service', 'service-client'],
  pki: ['apdu', 'card', 'upgrade', 'screens', 'service', 'service-client'],
  card: ['upgrade', 'screens', 'service', 'service-client'],
  'service-client': ['apdu', 'card', 'upgrade', 'screens', 'service'],
  upgrade: ['screens', 'service'],
  screens: ['apdu', 'card', 'service', 'service-client'],
  service: ['screens', 'service-client', 'upgrade', 'card', 'apdu'],
};
const zones = Object.entries(layers).map(([target, forbidden]) => ({
  target: `./source/${target}`,
  from: forbidden.map((layer) => `./source/${layer}`),
  message: 'Imports only point down (DESIGN.md, Layers).',
}));

export default tseslint.config(
  {ignores: ['dist/**', 'media/**', 'node_modules/**', 'coverage/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: {'react-hooks': reactHooks, 'import-x': importX},
    rules: {
      ...reactHooks.configs.recommended.rules,
      'import-x/no-restricted-paths': ['error', {zones}],
      'import-x/no-default-export': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  {
    files: ['*.config.{js,ts}', 'eslint.config.js'],
    rules: {'import-x/no-default-export': 'off'},
  },
  {
    files: ['source/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {name: 'react', message: 'Only screens use React.'},
            {name: 'ink', message: 'Only screens use Ink.'},
          ],
        },
      ],
    },
  },
);
