// ESLint for the browser modules (wesup/static/js, no bundler) and their node tests: `make lint`.

import js from "@eslint/js";
import globals from "globals";

// User-written text goes into the page with textContent: markup from strings is refused.
const NO_MARKUP = ["innerHTML", "outerHTML", "insertAdjacentHTML"].map((property) => ({
  property,
  message: "Put text in with textContent (or dom.js el); markup from strings is how XSS gets in.",
}));

export default [
  { ignores: [".venv/", "htmlcov/", "test-artifacts/", "instance/"] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "all" }],
      "no-undef": "error",
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      "no-var": "error",
      "no-shadow": "error",
      "no-throw-literal": "error",
      "no-restricted-properties": ["error", ...NO_MARKUP],
    },
  },
  {
    // The pure rules get no page globals: touching document or window there fails no-undef
    // (node imports them for the tests, and they must stay free of side effects).
    files: ["wesup/static/js/**/*.js"],
    ignores: ["wesup/static/js/rules.js"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
];
