/** Rows of the bench: a figure, what was measured, its target, and how far from it. */

/** A row for a figure whose target is a floor (`>=`) or a ceiling (`<=`). */
export function row(figure, measured, op, target, {unit = '', digits = 3, note = ''} = {}) {
	if (measured == null || Number.isNaN(measured)) return notMeasured(figure, `${op} ${target}${unit}`, note || 'no value');
	const pass = op === '>=' ? measured >= target : measured <= target;
	const margin = op === '>=' ? measured - target : target - measured;
	const far = `${margin >= 0 ? '+' : ''}${fmt(margin, digits)}${unit} ${pass ? 'to spare' : 'short'}`;
	return {figure, measured: round(measured, digits), shown: `${fmt(measured, digits)}${unit}`, target: `${op} ${target}${unit}`, pass, far, note};
}

/** A figure shown for comparison, with no target of pacer's (the peer's own numbers). */
export function info(figure, measured, {unit = '', digits = 3, note = ''} = {}) {
	return {figure, measured: round(measured, digits), shown: `${fmt(measured, digits)}${unit}`, target: '(compare)', pass: null, info: true, far: '', note};
}

export function notMeasured(figure, target, why) {
	return {figure, measured: null, shown: 'not measured', target, pass: null, far: '', note: why};
}

function round(n, digits) {
	const f = 10 ** digits;
	return Math.round(n * f) / f;
}

function fmt(n, digits) {
	return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

export function printTable(rows) {
	const head = ['figure', 'measured', 'target', 'pass', 'how far'];
	const body = rows.map(r => [r.figure, r.shown, r.target, r.pass == null ? '-' : r.pass ? 'pass' : 'FAIL', r.far]);
	const widths = head.map((h, i) => Math.max(h.length, ...body.map(b => b[i].length)));
	const line = cells => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
	const out = [line(head), line(widths.map(w => '-'.repeat(w))), ...body.map(line)];
	const notes = rows.filter(r => r.note).map(r => `  ${r.figure}: ${r.note}`);
	return out.join('\n') + (notes.length ? `\n\nnotes:\n${notes.join('\n')}` : '');
}
