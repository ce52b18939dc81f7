// Package message parses a campaign's message and renders it for one
// recipient as Telegram text plus message entities.
//
// # Formatting
//
// The syntax follows what Telegram's apps accept when typing:
//
//	**bold**   __italic__ or _italic_   ++underline++   ~~strikethrough~~
//	`code`     ```lang
//	a pre-formatted block
//	```
//	[link text](https://example.com)
//
// Formatting may be nested (**bold __and italic__**) but not overlap
// (**a __b** c__ is refused: close the inner one first). A single _ only
// counts at a word's edge, so snake_case and @user_name stay as written; an
// unmatched _ or [ is shown as itself. Every other unclosed marker is an
// error. Links take http, https and tg addresses only. Text inside code and
// pre blocks is not formatted, but placeholders are replaced there too.
//
// A backslash shows the next markup character itself: \* \_ \+ \~ \` \[ \]
// \( \) \{ \} \| \\. Before any other character a backslash is just a
// backslash.
//
// # Placeholders
//
// {first_name}, {last_name}, {full_name} (first and last name joined by a
// space) and {username} (rendered "@name"), each with an optional fallback
// used when the recipient has no such value or only spaces:
// {first_name|there}. Names are matched ignoring case and surrounding
// spaces; anything else in braces is refused. Values and fallbacks are
// inserted as plain text: a name such as "*Ann*" is shown with its stars.
//
// A placeholder that renders nothing takes one space with it: the space
// before it is removed when what follows is a space, a line end, the end of
// the text or one of , . ! ? ; : ) — so "Hi {first_name}, welcome" becomes
// "Hi, welcome" and "Dear {first_name} {last_name}!" becomes "Dear!". No
// other text is changed.
//
// # Rendering
//
// Offsets and lengths of entities count UTF-16 code units, as Telegram does
// (an emoji outside the Basic Multilingual Plane counts 2). Leading and
// trailing white space is removed from the rendered text (Telegram would
// remove it and shift the entities), and entities left empty are dropped.
// The opt-out footer, when on, follows the text after a blank line.
package message

// SyntaxHelp is the formatting and placeholder guide shown next to the
// message editor.
func SyntaxHelp() string {
	return `Formatting
  **bold**  __italic__ (or _italic_)  ++underline++  ~~strikethrough~~
  ` + "`code`" + `  and blocks: ` + "```" + `python (new line) code (new line) ` + "```" + `
  [link text](https://example.com) — http, https and tg links only
  Nest formatting inside other formatting (**bold __and italic__**); do not overlap it.
  Put a backslash before a character to show it as itself: \* \_ \[ \{ …

Placeholders
  {first_name}  {last_name}  {full_name}  {username} (shown as @name)
  Add a fallback for recipients without one: {first_name|there}
  Names are inserted exactly as they are, never formatted.
  An empty placeholder without a fallback also removes the space before it:
  "Hi {first_name}, welcome" reads "Hi, welcome".

Length
  Telegram allows 4,096 characters after placeholders are filled in
  (an emoji counts as 2); formatting marks do not count.`
}
