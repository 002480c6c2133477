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
  screens: ['apdu', 'card', 'pki', 'service', 'service-client', 'protocol'],
  service: ['screens', 'service-client', 'upgrade', 'card', 'apdu'],
};
const zones = [
  ...Object.entries(layers).map(([target, forbidden]) => ({
    target: `./source/${target}`,
    from: forbidden.map((layer) => `./source/${layer}`),
    message: 'Imports only point down (docs/architecture.md, Imports allowed).',
  })),
  // The engine reaches the card only through its adapters (source/upgrade/adapters/); it may read the layers'
  // error codes, which it maps to its own (upgrade/errors.ts).
  {
    target: './source/upgrade',
    from: './source/card',
    except: ['./errors.ts'],
    message: 'The engine reaches the card through source/upgrade/adapters/ only.',
  },
  {
    target: './source/upgrade',
    from: './source/apdu',
    except: ['./errors.ts', './transports/errors.ts'],
    message: 'The engine reaches the card through source/upgrade/adapters/ only.',
  },
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
    // Type-aware rules: a promise neither awaited nor handed on, a promise where a callback's result is ignored,
    // and a switch over a union that misses a member (a default case counts as covering the rest).
    languageOptions: {parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname}},
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        {considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false},
      ],
      'import-x/no-restricted-paths': ['error', {zones}],
      'import-x/no-default-export': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  {
    // The adapters are where the engine meets the card: the zones without the two above.
    files: ['source/upgrade/adapters/**'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {zones: zones.filter((zone) => !(zone.target === './source/upgrade' && zone.except !== undefined))},
      ],
    },
  },
  {
    // A screen takes keys through useScreenInput, so that a window below the smallest size turns its keys off.
    files: ['source/screens/**'],
    ignores: ['source/screens/screen-input.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {name: 'ink', importNames: ['useInput'], message: 'Screens take keys through useScreenInput.'},
          ],
        },
      ],
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
