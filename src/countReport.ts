/**
 * `pacer count`'s report as text for the terminal (at most 80 columns): the CLI's words for
 * what src/core/count.ts works out.
 */
import type {CountReport} from './core/count.js';
import {formatInt, formatUsd} from './core/format.js';
import {displayWidth, fitWidth, pad, toSingleLine} from './core/terminalText.js';

const WIDTH = 80;
const LISTED_OVER_LIMIT = 10;

/** A plain-text report for the terminal, at most 80 columns wide. */
export function formatCountReport(report: CountReport): string {
	const out: string[] = [];
	const label = (name: string, value: string) => out.push(fitWidth(`${pad(name, 14)}${value}`, WIDTH));

	out.push(fitWidth(`${formatInt(report.prompts)} ${report.prompts === 1 ? 'prompt' : 'prompts'}, default model ${report.model}, output cap ${formatInt(report.maxOutputTokens)}`, WIDTH));
	out.push('');
	label(
		'Input tokens',
		`${formatInt(report.inputTokens.total)} total, ${formatNumber(report.inputTokens.mean)} mean, ${formatInt(report.inputTokens.max)} max`,
	);
	label('Reserved', `${formatInt(report.reservedTokens)} tokens (input + every output cap)`);
	label('Cost (USD)', report.costUsd === null ? unknownCost(report) : `${formatUsd(report.costUsd.min)} .. ${formatUsd(report.costUsd.max)} (input only .. every reply at its cap)`);
	if (report.batchCostUsd !== undefined) {
		label('  live', report.costUsd === null ? 'unknown' : `${formatUsd(report.costUsd.min)} .. ${formatUsd(report.costUsd.max)}, one request at a time`);
		label('  Batch API', report.batchCostUsd === null ? 'unknown' : `${formatUsd(report.batchCostUsd.min)} .. ${formatUsd(report.batchCostUsd.max)}, half price, done within 24 h (--batch-api)`);
	}
	for (const entry of report.models) {
		const price = entry.price;
		const name = report.models.length > 1 ? `${entry.model} (${formatInt(entry.prompts)})` : entry.model;
		label(
			report.models.indexOf(entry) === 0 ? 'Price' : '',
			price === null
				? `${name}: unknown`
				: price.cachedInput === null
					? `${name}: ${formatRate(price.input)} in, ${formatRate(price.output)} out /1M (no cached rate)`
					: `${name}: ${formatRate(price.input)} in, ${formatRate(price.cachedInput)} cached, ${formatRate(price.output)} out /1M`,
		);
		if (price === null) {
			label('', 'not in pacer\'s price table: set --price-in and --price-out');
		} else {
			label('', `${price.source}, ${price.date}`);
			if (price.note !== undefined) {
				label('', price.note);
			}
		}
	}
	out.push('Token counts are estimates (chat formula); billed usage can differ a little.');

	if (report.longest.length > 0) {
		out.push('', 'Longest prompts');
		out.push(`  ${pad('id', 20)} ${pad('line', 7, 'right')} ${pad('tokens', 9, 'right')}  starts with`);
		for (const prompt of report.longest) {
			const row = `  ${pad(fitWidth(toSingleLine(prompt.id), 20), 20)} ${pad(formatInt(prompt.line), 7, 'right')} ${pad(formatInt(prompt.tokens), 9, 'right')}  `;
			out.push(row + fitWidth(prompt.preview, WIDTH - displayWidth(row)));
		}
	}

	if (report.maxInputTokens !== null) {
		const count = report.overLimit.length;
		out.push('', `${formatInt(count)} ${count === 1 ? 'prompt' : 'prompts'} over --max-input-tokens ${formatInt(report.maxInputTokens)}`);
		if (count > 0) {
			out.push(`  ${pad('id', 20)} ${pad('line', 7, 'right')} ${pad('tokens', 9, 'right')} ${pad('over by', 9, 'right')}`);
			for (const prompt of report.overLimit.slice(0, LISTED_OVER_LIMIT)) {
				out.push(
					`  ${pad(fitWidth(toSingleLine(prompt.id), 20), 20)} ${pad(formatInt(prompt.line), 7, 'right')} ${pad(formatInt(prompt.tokens), 9, 'right')} ${pad(formatInt(prompt.overBy), 9, 'right')}`,
				);
			}
			if (count > LISTED_OVER_LIMIT) {
				out.push(`  ... and ${formatInt(count - LISTED_OVER_LIMIT)} more (--json lists them all)`);
			}
		}
	}
	const condense = report.summarize;
	if (condense) {
		out.push('', `--on-long summarize: ${formatInt(condense.prompts)} ${condense.prompts === 1 ? 'prompt' : 'prompts'} would be condensed first`);
		label('  Extra calls', `at most ${formatInt(condense.calls)}`);
		label('  Tokens', `${formatInt(condense.inputTokens)} in, up to ${formatInt(condense.maxOutputTokens)} out`);
		label('  Cost (USD)', condense.costUsd === null ? 'unknown: no price for the condensing model' : `${formatUsd(condense.costUsd.min)} .. ${formatUsd(condense.costUsd.max)}, beside the above`);
		if (condense.cannot > 0) out.push(`  ${formatInt(condense.cannot)} cannot be condensed under the limit: they would fail as context_length`);
	}
	return out.join('\n');
}

function unknownCost(report: CountReport): string {
	const unknown = report.models.filter((entry) => entry.price === null).map((entry) => entry.model);
	return `unknown: no price for ${unknown.join(', ')}`;
}

function formatNumber(n: number): string {
	return n.toLocaleString('en-US', {maximumFractionDigits: 1});
}

function formatRate(usdPerMillion: number): string {
	return `$${usdPerMillion.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 4})}`;
}
