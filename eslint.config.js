// Lint is part of `npm test`. The one architectural rule enforced here: the core and the schemas
// stay framework-free (ARCHITECTURE.md §4), so they can be reasoned about, tested and benchmarked alone.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const frameworkPackages = [
  '@nestjs/*', 'fastify', '@fastify/*', 'kafkajs', '@grpc/*', 'pg', '@electric-sql/*',
  '@hyperledger/*', 'fabric-*', 'pino', 'prom-client', 'rxjs', 'reflect-metadata', 'yaml',
];

export default tseslint.config(
  { ignores: ['dist*/**', 'node_modules/**', 'test/artifacts/**', 'bench/results/**', 'schemas/json/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', structuredClone: 'readonly', performance: 'readonly', queueMicrotask: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    // NestJS resolves constructor parameters through emitted decorator metadata: a type-only import there
    // would erase the class the injector needs, so the edges may import classes as values.
    files: ['src/ingest/**', 'src/ops/**', 'src/config/**', 'src/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['src/core/**/*.ts', 'schemas/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: frameworkPackages, message: 'src/core and schemas/ are framework-free: import only node:*, @noble/*, zod (schemas) and schemas/.' },
          { group: ['**/ingest/**', '**/ops/**', '**/config/**', '**/cli/**', '**/adapters/**'], message: 'Dependency direction is schemas <- core <- adapters <- NestJS modules.' },
        ],
      }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'The core takes its configuration as parameters; env is parsed once in src/config.' }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'No hidden clock in the core: take a Clock parameter.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'No hidden randomness in the core: take a generator parameter.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'No hidden clock in the core: take a Clock parameter.' },
      ],
    },
  },
);
