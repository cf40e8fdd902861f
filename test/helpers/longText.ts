/** Long, varied, deterministic text for the tests of `--on-long summarize`. */
export const longDocument = (paragraphs: number, salt = 0) =>
	Array.from(
		{length: paragraphs},
		(_, i) =>
			`Section ${i + 1}. The mill on the river ground ${40 + ((i + salt) % 50)} sacks of grain in week ${i + 1}, and the miller wrote it down. ` +
			'The water was high and the wheel turned all day, so the work went well. '.repeat(5),
	).join('\n\n');
