import {useCallback, useEffect, useRef, useState} from 'react';
import type {Notice} from './HelpBar.js';

/** A footer message that clears itself after `ms`. */
export function useNotice(ms = 3000): [Notice | null, (text: string, tone?: Notice['tone']) => void] {
	const [notice, setNotice] = useState<Notice | null>(null);
	const timer = useRef<NodeJS.Timeout | null>(null);
	const show = useCallback(
		(text: string, tone: Notice['tone'] = 'info') => {
			if (timer.current) clearTimeout(timer.current);
			setNotice({text, tone});
			timer.current = setTimeout(() => setNotice(null), ms);
		},
		[ms],
	);
	useEffect(
		() => () => {
			if (timer.current) clearTimeout(timer.current);
		},
		[],
	);
	return [notice, show];
}
