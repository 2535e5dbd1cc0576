//! A small, linear PowerShell tokenizer: just enough grammar to tell commands from comments,
//! strings, hashtable keys and words that merely contain a command's name.
//!
//! Why hand-written: PowerShell accepts en/em dashes for `-`, backticks inside names, and
//! typographic quotes; a regex over raw text cannot see comments or strings. Every character is
//! visited once, so cost is linear in the text whatever the input.

/// Kinds of brackets; the kind decides whether a word inside starts a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bracket {
    /// `{` script block.
    Brace,
    /// `@{` hashtable.
    Hash,
    /// `(` parenthesized pipeline.
    Paren,
    /// `$(` subexpression.
    SubExpr,
    /// `@(` array subexpression.
    ArrayExpr,
    /// `[` type literal or index.
    Square,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A bare word (command name, argument, number); backticks removed, dashes normalized.
    Word,
    /// `-Name` (any dash); `text` is the name without the dash, `attached` when `-Name:value`.
    Param {
        attached: bool,
    },
    /// A quoted string; `expandable` when it is double-quoted and holds an unescaped `$`.
    Str {
        expandable: bool,
    },
    /// `$name`, `${name}`, `$env:X`, with trailing `.member` chains.
    Var,
    /// `@name` splatting.
    Splat,
    Open(Bracket),
    Close,
    /// Statement or pipeline separator: newline, `;`, `|`, `&&`, `||`.
    Sep,
    Comma,
    /// `=` (also the tail of `+=` and friends).
    Assign,
    /// `&` call operator.
    Amp,
    /// `.` dot-source operator (a lone dot followed by white space).
    Dot,
    /// `+` (string concatenation in a call-operator name).
    Plus,
}

/// One token: its kind, its value, where it is in the text, and how it was spelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub kind: Kind,
    /// Word/param/var/splat: the name as PowerShell sees it; string: its content.
    pub text: String,
    /// Byte range in the source.
    pub start: usize,
    pub end: usize,
    /// Spelled with a backtick inside.
    pub backtick: bool,
    /// Spelled with an en dash, em dash or horizontal bar in place of `-`.
    pub dash: bool,
}

/// Dashes PowerShell accepts in place of `-`.
pub fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}' | '\u{2015}')
}

fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn is_space(c: char) -> bool {
    c != '\n' && c.is_whitespace()
}

/// Characters that end a bare word.
fn ends_word(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, ';' | ',' | '|' | '&' | '(' | ')' | '{' | '}' | '=' | ']')
        || is_single_quote(c)
        || is_double_quote(c)
}

fn is_var_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | ':' | '?' | '^')
}

/// Walks the text by byte offset, decoding characters as it goes: an index of every character
/// up front cost more than the tokenizing (16 bytes a character, for every script analyzed).
struct Lexer<'a> {
    src: &'a str,
    /// Byte offset of the next character; past the end once the text is used up.
    i: usize,
    out: Vec<Tok>,
}

impl Lexer<'_> {
    /// The character `k` characters ahead.
    fn peek(&self, k: usize) -> Option<char> {
        // Script text is nearly all ASCII: there the k-th character is the k-th byte.
        if let Some(b) = self.src.as_bytes().get(self.i..=self.i + k)
            && b.is_ascii()
        {
            return Some(b[k] as char);
        }
        self.src.get(self.i..)?.chars().nth(k)
    }
    /// Step over `n` characters.
    fn bump(&mut self, n: usize) {
        for _ in 0..n {
            self.i += self.peek(0).map_or(1, char::len_utf8);
        }
    }
    fn pos(&self) -> usize {
        self.i.min(self.src.len())
    }
    fn push(&mut self, kind: Kind, text: String, start: usize, backtick: bool, dash: bool) {
        let end = self.pos();
        self.out.push(Tok {
            kind,
            text,
            start,
            end,
            backtick,
            dash,
        });
    }
    fn punct(&mut self, kind: Kind, len: usize) {
        let start = self.pos();
        self.i += len;
        self.push(kind, String::new(), start, false, false);
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            let next = self.peek(1);
            match c {
                '\n' => self.punct(Kind::Sep, 1),
                c if is_space(c) => self.bump(1),
                '`' if matches!(next, Some('\n')) => self.bump(2),
                '`' if matches!(next, Some('\r')) && self.peek(2) == Some('\n') => self.bump(3),
                '#' => self.skip_until_newline(),
                '<' if next == Some('#') => self.skip_block_comment(),
                ';' => self.punct(Kind::Sep, 1),
                '|' => self.punct(Kind::Sep, if next == Some('|') { 2 } else { 1 }),
                '&' if next == Some('&') => self.punct(Kind::Sep, 2),
                '&' => self.punct(Kind::Amp, 1),
                ',' => self.punct(Kind::Comma, 1),
                '=' => self.punct(Kind::Assign, 1),
                '+' if next.is_some_and(|n| n.is_whitespace() || n == '\'' || n == '"') => {
                    self.punct(Kind::Plus, 1)
                }
                '{' => self.punct(Kind::Open(Bracket::Brace), 1),
                '(' => self.punct(Kind::Open(Bracket::Paren), 1),
                '[' => self.punct(Kind::Open(Bracket::Square), 1),
                '}' | ')' | ']' => self.punct(Kind::Close, 1),
                '@' if next == Some('{') => self.punct(Kind::Open(Bracket::Hash), 2),
                '@' if next == Some('(') => self.punct(Kind::Open(Bracket::ArrayExpr), 2),
                '@' if next.is_some_and(|n| is_single_quote(n) || is_double_quote(n)) => {
                    self.here_string()
                }
                '@' if next.is_some_and(|n| n.is_alphanumeric() || n == '_') => {
                    self.variable(Kind::Splat)
                }
                '$' if next == Some('(') => self.punct(Kind::Open(Bracket::SubExpr), 2),
                '$' if next == Some('{') => self.braced_variable(),
                '$' if next.is_some_and(is_var_char) => self.variable(Kind::Var),
                '.' if next.is_none_or(|n| n.is_whitespace()) => self.punct(Kind::Dot, 1),
                c if is_single_quote(c) => self.single_quoted(),
                c if is_double_quote(c) => self.double_quoted(),
                c if is_dash(c)
                    && next.is_some_and(|n| n.is_alphabetic() || n == '_' || n == '`') =>
                {
                    self.parameter()
                }
                _ => self.word(),
            }
        }
    }

    fn skip_until_newline(&mut self) {
        let rest = self.src.get(self.i..).unwrap_or("");
        self.i += rest.find('\n').unwrap_or(rest.len());
    }

    fn skip_block_comment(&mut self) {
        self.bump(2);
        let rest = self.src.get(self.i..).unwrap_or("");
        self.i += rest.find("#>").map_or(rest.len(), |p| p + 2);
    }

    fn word(&mut self) {
        let start = self.pos();
        // The plain ASCII head of a word (usually all of it) is copied in one piece; backticks,
        // dash variants and other characters go through the loop below.
        let bytes = self.src.as_bytes();
        let mut head = self.i.min(bytes.len());
        while head < bytes.len()
            && bytes[head] < 0x80
            && bytes[head] != b'`'
            && !ends_word(bytes[head] as char)
        {
            // `string[]` (in `[string[]]$x`) is one word; any other `[` opens an index, so
            // brackets stay balanced.
            if bytes[head] == b'[' {
                if bytes.get(head + 1) != Some(&b']') {
                    break;
                }
                head += 1;
            }
            head += 1;
        }
        let mut text = String::with_capacity(head.saturating_sub(start) + 8);
        text.push_str(&self.src[start..head]);
        self.i = head;
        let (mut backtick, mut dash) = (false, false);
        while let Some(c) = self.peek(0) {
            if c == '`' {
                backtick = true;
                self.bump(1);
                match self.peek(0) {
                    Some(n) => text.push(n),
                    None => break,
                }
                self.bump(1);
                continue;
            }
            if ends_word(c) || (c == '[' && self.peek(1) != Some(']')) {
                break;
            }
            if c == '[' {
                text.push_str("[]");
                self.bump(2);
                continue;
            }
            if is_dash(c) {
                dash |= c != '-';
                text.push('-');
            } else {
                text.push(c);
            }
            self.bump(1);
        }
        if self.pos() == start {
            // A stray character that starts no token: step over it.
            self.bump(1);
            return;
        }
        self.push(Kind::Word, text, start, backtick, dash);
    }

    fn parameter(&mut self) {
        let start = self.pos();
        let dash = self.peek(0) != Some('-');
        self.bump(1);
        let (mut text, mut backtick) = (String::with_capacity(16), false);
        while let Some(c) = self.peek(0) {
            if c == '`' && self.peek(1).is_some_and(|n| !n.is_whitespace()) {
                backtick = true;
                self.bump(1);
                continue;
            }
            if c.is_alphanumeric() || c == '_' || c == '-' {
                text.push(c);
                self.bump(1);
            } else {
                break;
            }
        }
        let attached = self.peek(0) == Some(':');
        if attached {
            self.bump(1);
        }
        self.push(Kind::Param { attached }, text, start, backtick, dash);
    }

    fn variable(&mut self, kind: Kind) {
        let start = self.pos();
        self.bump(1);
        let mut text = String::with_capacity(16);
        while let Some(c) = self.peek(0) {
            let member = c == '.'
                && self
                    .peek(1)
                    .is_some_and(|n| n.is_alphanumeric() || n == '_');
            if is_var_char(c) || member {
                text.push(c);
                self.bump(1);
            } else {
                break;
            }
        }
        self.push(kind, text, start, false, false);
    }

    fn braced_variable(&mut self) {
        let start = self.pos();
        self.bump(2);
        let mut text = String::with_capacity(16);
        while let Some(c) = self.peek(0) {
            self.bump(1);
            if c == '}' {
                break;
            }
            text.push(c);
        }
        self.push(Kind::Var, text, start, false, false);
    }

    fn single_quoted(&mut self) {
        let start = self.pos();
        self.bump(1);
        let mut text = String::with_capacity(16);
        while let Some(c) = self.peek(0) {
            self.bump(1);
            if is_single_quote(c) {
                if self.peek(0).is_some_and(is_single_quote) {
                    text.push(c);
                    self.bump(1);
                    continue;
                }
                break;
            }
            text.push(c);
        }
        self.push(Kind::Str { expandable: false }, text, start, false, false);
    }

    fn double_quoted(&mut self) {
        let start = self.pos();
        self.bump(1);
        let (mut text, mut expandable, mut backtick) = (String::with_capacity(16), false, false);
        while let Some(c) = self.peek(0) {
            self.bump(1);
            if c == '`' {
                backtick = true;
                if let Some(n) = self.peek(0) {
                    text.push(match n {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        other => other,
                    });
                    self.bump(1);
                }
                continue;
            }
            if is_double_quote(c) {
                if self.peek(0).is_some_and(is_double_quote) {
                    text.push(c);
                    self.bump(1);
                    continue;
                }
                break;
            }
            expandable |= c == '$';
            text.push(c);
        }
        self.push(Kind::Str { expandable }, text, start, backtick, false);
    }

    /// `@'...'@` / `@"..."@`: the terminator is the quote and `@` at the start of a line.
    fn here_string(&mut self) {
        let start = self.pos();
        let double = self.peek(1).is_some_and(is_double_quote);
        self.bump(2);
        self.skip_until_newline();
        self.bump(1);
        let (mut text, mut expandable) = (String::with_capacity(16), false);
        while let Some(c) = self.peek(0) {
            let at_line_start = self.i == 0 || self.src.as_bytes()[self.i - 1] == b'\n';
            let quote = if double {
                is_double_quote(c)
            } else {
                is_single_quote(c)
            };
            if at_line_start && quote && self.peek(1) == Some('@') {
                self.bump(2);
                break;
            }
            expandable |= double && c == '$';
            text.push(c);
            self.bump(1);
        }
        if text.ends_with('\n') {
            text.pop();
        }
        self.push(Kind::Str { expandable }, text, start, false, false);
    }
}

/// Tokenize PowerShell text. Comments and line continuations are dropped.
pub fn tokenize(src: &str) -> Vec<Tok> {
    let mut lx = Lexer {
        src,
        i: 0,
        // About one token per six bytes of script: grow once or twice, not a dozen times.
        out: Vec::with_capacity(src.len() / 6 + 8),
    };
    lx.run();
    lx.out
}

/// For each opening bracket, the index of its closing token (or the end); others map to themselves.
pub fn match_brackets(toks: &[Tok]) -> Vec<usize> {
    let mut matched: Vec<usize> = (0..toks.len()).collect();
    let mut stack = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Kind::Open(_) => stack.push(i),
            Kind::Close => {
                if let Some(o) = stack.pop() {
                    matched[o] = i;
                }
            }
            _ => {}
        }
    }
    for o in stack {
        matched[o] = toks.len();
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(Kind, String)> {
        tokenize(s).into_iter().map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn comments_strings_and_backticks() {
        let k = kinds("Inv`oke-Com`mand –Cn:'a' # icm -cn b\n<# icm #>\"x$y\"");
        assert_eq!(k[0], (Kind::Word, "Invoke-Command".into()));
        assert_eq!(k[1], (Kind::Param { attached: true }, "Cn".into()));
        assert_eq!(k[2], (Kind::Str { expandable: false }, "a".into()));
        assert_eq!(k[3].0, Kind::Sep);
        assert_eq!(k[4], (Kind::Str { expandable: true }, "x$y".into()));
        assert_eq!(k.len(), 5);
    }

    #[test]
    fn here_string_and_variables() {
        let k = kinds("$h = @'\nicm -cn x\n'@\n$env:COMPUTERNAME");
        assert_eq!(k[0], (Kind::Var, "h".into()));
        assert_eq!(k[2], (Kind::Str { expandable: false }, "icm -cn x".into()));
        assert_eq!(k[4], (Kind::Var, "env:COMPUTERNAME".into()));
    }

    #[test]
    fn array_types_keep_brackets_balanced() {
        let toks = tokenize("param([string[]]$cn = 'a') x[0]");
        let k: Vec<(Kind, String)> = toks
            .iter()
            .map(|t| (t.kind.clone(), t.text.clone()))
            .collect();
        assert_eq!(k[2], (Kind::Open(Bracket::Square), String::new()));
        assert_eq!(k[3], (Kind::Word, "string[]".into()));
        assert_eq!(k[4].0, Kind::Close);
        assert_eq!(k[5], (Kind::Var, "cn".into()));
        assert_eq!(k[9], (Kind::Word, "x".into()));
        assert_eq!(k[10].0, Kind::Open(Bracket::Square));
        let m = match_brackets(&toks);
        assert_eq!(m[1], 8, "param( closes at its own )");
    }
}
