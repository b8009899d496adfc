/** Characters of free text that cannot be shown or passed on exactly as they are. */

/**
 * What a terminal must not be given raw from the input: C0 and C1 controls and DEL (escape
 * sequences, a carriage return), line and paragraph separators, the bidirectional controls that
 * reorder what is shown (U+202E makes `exe.txt` of `txt.exe`), invisible format characters
 * (zero-width spaces and joiners, the byte order mark), and lone UTF-16 surrogates (which become
 * U+FFFD when written). `\n` is not in it: callers decide about line breaks.
 */
export const UNSAFE_TEXT = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/gu;

/** A lone UTF-16 surrogate: UTF-8 cannot encode it, so writing it would turn it into U+FFFD. */
export const LONE_SURROGATE = /[\ud800-\udfff]/u;

const escapeUnit = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Text from the input made safe for a terminal: each character above shown as `\u202e`. */
export function printable(text: string): string {
  return text.replace(UNSAFE_TEXT, escapeUnit);
}

/** Whether one line on a terminal (a log line on a host) would show `text` as something else. */
export function needsEscaping(text: string): boolean {
  return text.includes('\n') || printable(text) !== text;
}
