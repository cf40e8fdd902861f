import {useInput} from 'ink';
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
 */
export function useKeymap(editing: boolean, handlers: KeymapHandlers): void {
	useInput((input, key) => {
		const name = keyName(input, key);
		if (name === 'ctrl+c') {
			handlers.onCommand('interrupt');
			return;
		}
		if (editing && handlers.onText) {
			if (name === 'backspace' || name === 'return' || name === 'escape') handlers.onText({key: name});
			else if (!key.ctrl && !key.meta && input && !/[\u0000-\u001f\u007f]/.test(input)) handlers.onText({text: input});
			return;
		}
		// A held key or a busy moment can bring several keys in one chunk, which Ink passes as one string.
		const names = name.length > 1 && name === input && ![...input].some(char => char < ' ') ? [...input] : [name];
		for (const each of names) {
			const command = commandFor(each);
			if (command) handlers.onCommand(command);
		}
	});
}
