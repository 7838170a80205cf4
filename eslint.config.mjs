import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const RESTRICTED_IMPORTS = [
  {
    // One named second entry point: the events lib's test support (fixtures, schema snapshots).
    group: ['@storefront/*/*', '!@storefront/events/testing'],
    message: 'Import libs through their barrel only.',
  },
  { group: ['**/apps/*/**', '../../apps/**'], message: 'Apps never import each other.' },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.cache/',
      '.runtime/',
      'test-artifacts/',
      '.nx/',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Apps use libs only, never each other.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            // The contract stays framework-free so any consumer can use it.
            { sourceTag: 'scope:contract', onlyDependOnLibsWithTags: ['scope:contract'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            // The test helpers (@storefront/testing, @storefront/service-testing): only tests and
            // tools use them; no app or lib source may, since no tag above allows `type:test`.
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:test'] },
          ],
          banTransitiveDependencies: false,
        },
      ],
      'no-restricted-imports': ['error', { patterns: RESTRICTED_IMPORTS }],
    },
  },
  {
    // A running service never loads the test fixtures: only tests and tools do.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/events/src/testing/**', 'libs/events/src/fixtures/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...RESTRICTED_IMPORTS,
            {
              group: ['@storefront/events/testing'],
              message: 'Fixtures are for tests and tools; product code uses the contract examples.',
            },
          ],
        },
      ],
    },
  },
  {
    // No import cycle anywhere: a cycle makes load order decide what is undefined at start-up.
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: './tsconfig.base.json' }),
      ],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['libs/events/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'mongoose', 'kafkajs'],
              message: 'libs/events has no Nest, mongoose or Kafka dependency.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'],
    rules: {
      // Tests may use the repo's harness in tools/runtime (not an Nx project); app sources may not.
      '@nx/enforce-module-boundaries': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
