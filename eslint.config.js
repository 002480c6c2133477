import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import {importX, createNodeResolver} from 'eslint-plugin-import-x';

/**
 * The layers of docs/architecture.md: imports only point down. Each zone names a folder and what it may not
 * import.
 */
const layers = {
  apdu: ['card', 'pki', 'upgrade', 'screens', 'service', 'service-client', 'protocol'],
  pki: ['apdu', 'card', 'upgrade', 'screens', 'service', 'service-client', 'protocol'],
  card: ['upgrade', 'screens', 'service', 'service-client', 'protocol'],
  'service-client': ['apdu', 'card', 'upgrade', 'screens', 'service'],
  upgrade: ['screens', 'service', 'protocol'],
  screens: ['apdu', 'card', 'service', 'service-client', 'protocol'],
  service: ['screens', 'service-client', 'upgrade', 'card', 'apdu'],
};
const zones = [
  ...Object.entries(layers).map(([target, forbidden]) => ({
    target: `./source/${target}`,
    from: forbidden.map((layer) => `./source/${layer}`),
    message: 'Imports only point down (docs/architecture.md, Imports allowed).',
  })),
  // The API types and schemas shared by the service and its client import nothing else of the project.
  {
    target: './source/protocol',
    from: './source',
    except: ['./protocol'],
    message: 'source/protocol imports nothing else of the project.',
  },
];

export default tseslint.config(
  {ignores: ['dist/**', 'media/**', 'node_modules/**', 'coverage/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: {'react-hooks': reactHooks, 'import-x': importX},
    // Resolve the `.js` specifiers of our ESM imports to the `.ts`/`.tsx` sources, so the layer zones apply.
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({
          extensionAlias: {'.js': ['.ts', '.tsx', '.js']},
          extensions: ['.ts', '.tsx', '.js'],
        }),
      ],
    },
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
    // Screen hooks (use-x.ts) are React code by design (CONTRIBUTING.md, "A screen").
    ignores: ['source/screens/**'],
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
