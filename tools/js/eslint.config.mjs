// ESLint for the viewer's hand-written ES modules (no build step): browser globals only, and
// rules that catch real bugs. Layout is prettier's job (prettier.json), so no layout rules here.
import js from '@eslint/js';
import globals from 'globals';

export default [
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: globals.browser,
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-implicit-coercion': ['error', { allow: ['!!'] }],
      'no-shadow': 'error',
      'no-use-before-define': ['error', { functions: false, classes: false }],
      'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'none' }],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-script-url': 'error',
      'no-alert': 'error',
      'no-console': 'error',
      'no-throw-literal': 'error',
      'no-return-assign': 'error',
      'no-self-compare': 'error',
      'no-unmodified-loop-condition': 'error',
      'no-unused-expressions': 'error',
      'no-useless-return': 'error',
      'no-promise-executor-return': 'error',
      'no-constructor-return': 'error',
      'no-template-curly-in-string': 'error',
      'no-unreachable-loop': 'error',
      'array-callback-return': 'error',
      'default-case-last': 'error',
      // Values reach the DOM only through textContent and attribute setters (docs/viewer.md):
      // markup parsed from strings would bypass dom.js's checks.
      'no-restricted-properties': [
        'error',
        ...['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'createContextualFragment'].map((property) => ({
          property,
          message: 'Build nodes with dom.js el() and textContent; never parse markup.',
        })),
        { object: 'document', property: 'write', message: 'Build nodes with dom.js el().' },
        { object: 'document', property: 'writeln', message: 'Build nodes with dom.js el().' },
      ],
    },
  },
];
