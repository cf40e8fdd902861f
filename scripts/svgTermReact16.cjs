/**
 * Preloaded (`node --require`) into svg-term-cli by scripts/demo.mjs. svg-term renders
 * with its own React 16, but its styling packages (@stiligita/react, tag-hoc) require
 * `react` without declaring it, so beside this project's React 19 they get React 19 and
 * the render fails ("Unknown element-like object type: Symbol(react.transitional.element)").
 * In that process every `react` is svg-term's own.
 */
const Module = require('node:module');
const path = require('node:path');

const cli = path.dirname(require.resolve('svg-term-cli/package.json'));
const svgTerm = path.dirname(require.resolve('svg-term/package.json', {paths: [cli]}));
const react16 = require.resolve('react', {paths: [svgTerm]});
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
	return resolve.call(this, request === 'react' ? react16 : request, ...rest);
};
