/** What the dashboard shows, apart from the run itself: which screen, which filters. */
import {nextStatusFilter, type StatusFilter} from './useJobList.js';

export interface ViewState {
	readonly screen: 'table' | 'detail' | 'help';
	readonly query: string;
	/** The text filter has the keyboard. */
	readonly editing: boolean;
	readonly status: StatusFilter;
}

export type ViewAction =
	| {type: 'open'}
	| {type: 'close'}
	| {type: 'toggleHelp'}
	| {type: 'editFilter'}
	| {type: 'type'; text: string}
	| {type: 'erase'}
	| {type: 'keepFilter'}
	| {type: 'clearFilter'}
	| {type: 'cycleStatus'};

export const initialView: ViewState = {screen: 'table', query: '', editing: false, status: 'all'};

export function hasFilter(state: ViewState): boolean {
	return state.query !== '' || state.status !== 'all';
}

export function viewReducer(state: ViewState, action: ViewAction): ViewState {
	switch (action.type) {
		case 'open':
			return {...state, screen: 'detail'};
		case 'close':
			// Esc backs out one level: a screen first, then the filters.
			if (state.screen !== 'table') return {...state, screen: 'table'};
			return hasFilter(state) ? {...state, query: '', status: 'all'} : state;
		case 'toggleHelp':
			return {...state, screen: state.screen === 'help' ? 'table' : 'help'};
		case 'editFilter':
			return {...state, screen: 'table', editing: true};
		case 'type':
			return {...state, query: state.query + action.text};
		case 'erase':
			return {...state, query: [...state.query].slice(0, -1).join('')};
		case 'keepFilter':
			return {...state, editing: false};
		case 'clearFilter':
			return {...state, editing: false, query: ''};
		case 'cycleStatus':
			return {...state, status: nextStatusFilter(state.status)};
	}
}
