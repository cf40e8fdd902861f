/**
 * Semantic colours for the dashboard. Components ask for `theme.status.failed` or
 * `theme.warning`, never for `'red'`, so a plain (NO_COLOR) theme is one object away.
 */
import {createContext, useContext} from 'react';
import type {JobStatus} from '../core/types.js';

/** An Ink colour name, or undefined for the terminal's default. */
export type Colour = string | undefined;

export interface Theme {
	/** False for NO_COLOR: every colour below is undefined; bold, dim and inverse remain. */
	readonly colour: boolean;
	readonly status: Readonly<Record<JobStatus, Colour>>;
	/** pacer's name, the selected row's marker, key names in hints. */
	readonly accent: Colour;
	/** Labels and secondary figures. */
	readonly muted: Colour;
	readonly ok: Colour;
	/** Near a limit, a countdown, the paused state. */
	readonly warning: Colour;
	readonly danger: Colour;
	/** The empty part of the progress bar. */
	readonly barEmpty: Colour;
}

export const colourTheme: Theme = {
	colour: true,
	status: {
		queued: 'gray',
		running: 'cyan',
		waiting: 'yellow',
		succeeded: 'green',
		failed: 'red',
		cancelled: 'magenta',
		skipped: 'gray',
	},
	accent: 'cyan',
	muted: 'gray',
	ok: 'green',
	warning: 'yellow',
	danger: 'red',
	barEmpty: 'gray',
};

export const plainTheme: Theme = {
	colour: false,
	status: {
		queued: undefined,
		running: undefined,
		waiting: undefined,
		succeeded: undefined,
		failed: undefined,
		cancelled: undefined,
		skipped: undefined,
	},
	accent: undefined,
	muted: undefined,
	ok: undefined,
	warning: undefined,
	danger: undefined,
	barEmpty: undefined,
};

/** The theme for a terminal: plain when colour is off (NO_COLOR). */
export function themeFor(colour: boolean): Theme {
	return colour ? colourTheme : plainTheme;
}

export const ThemeContext = createContext<Theme>(colourTheme);

export function useTheme(): Theme {
	return useContext(ThemeContext);
}
