import {Text} from 'ink';
import type {DiskStatus} from '../store/runStore.js';
import {formatInt} from './format.js';
import {useTheme} from './theme.js';

export interface DiskBannerProps {
	readonly text: string;
	readonly tone: 'warning' | 'ok';
}

/** How long the line stays after the results file takes records again. */
const AFTERWARDS_MS = 5000;

/** The one line about the results file, or null when there is nothing to say at `now`. */
export function diskBanner(disk: DiskStatus | null, now: number): DiskBannerProps | null {
	if (!disk) return null;
	if (disk.state === 'held') {
		return {
			tone: 'warning',
			text:
				`⚠ on hold: ${disk.path}: ${disk.message} · ${formatInt(disk.records)} result(s) kept in memory · ` +
				'goes on by itself when there is room · q saves them elsewhere',
		};
	}
	if (disk.until != null && now - disk.until > AFTERWARDS_MS) return null;
	if (disk.state === 'recreated') {
		return {tone: 'warning', text: `${disk.path} was removed during the run: made it again with the ${formatInt(disk.records)} result(s) written so far`};
	}
	return {tone: 'ok', text: `✓ going on: ${disk.path} takes results again · wrote the ${formatInt(disk.records)} held`};
}

/** A one-line banner under the header: what the results file is doing when it is not simply taking records. */
export function DiskBanner({text, tone}: DiskBannerProps) {
	const theme = useTheme();
	return (
		<Text wrap="truncate" bold color={tone === 'warning' ? theme.warning : theme.ok}>
			{text}
		</Text>
	);
}
