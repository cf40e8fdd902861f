import {useInput, type Key} from 'ink';
import {useCallback, useRef} from 'react';
import {commandFor, keyName, type Command} from './keymap.js';

export interface KeymapHandlers {
	/** A key bound in the keymap was pressed. */
	onCommand(command: Command): void;
	/** While a text field has the keyboard: printable text, or an editing key. */
	onText?(edit: {text: string} | {key: 'backspace' | 'return' | 'escape'}): void;
}

/**
 * Keys -> commands through the keymap. While `editing`, keys go to the text field,
 * except Ctrl+C, which always interrupts.
 *
 * The input listener stays the same across renders and reads the latest props from a
 * ref: Ink re-subscribes a changed listener only in a passive effect, after a key typed
 * right after `/` could already have reached the old one.
 */
export function useKeymap(editing: boolean, handlers: KeymapHandlers): void {
	const latest = useRef({editing, handlers});
	latest.current = {editing, handlers};
	const onInput = useCallback((input: string, key: Key) => {
		const {editing: isEditing, handlers: current} = latest.current;
		const name = keyName(input, key);
		if (name === 'ctrl+c') {
			current.onCommand('interrupt');
			return;
		}
		if (isEditing && current.onText) {
			if (name === 'backspace' || name === 'return' || name === 'escape') current.onText({key: name});
			else if (!key.ctrl && !key.meta && input && !/[\u0000-\u001f\u007f]/.test(input)) current.onText({text: input});
			return;
		}
		// A held key, a paste or a busy moment can bring several keys in one chunk, which Ink
		// passes as one string ("jjj\r"): take it apart unless it is an escape sequence.
		const names = name.length > 1 && name === input && !input.includes('\u001b') ? [...input].map(chunkKeyName) : [name];
		for (const each of names) {
			const command = commandFor(each);
			if (command) latest.current.handlers.onCommand(command);
		}
	}, []);
	useInput(onInput);
}

/** One character of a multi-key chunk, named as keyName names it. */
function chunkKeyName(char: string): string {
	if (char === '\r' || char === '\n') return 'return';
	if (char === '\t') return 'tab';
	if (char === '\u007f' || char === '\b') return 'backspace';
	return char;
}
