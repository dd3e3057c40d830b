//! The HTML5 tokenizer's rules where a byte scanner must agree with it:
//! where comments, scripts, end tags and tags end.

/// Length of the comment at the start of `rest` (which starts with `<!--`),
/// as the tokenizer reads it: `<!-->` and `<!--->` are whole comments, and
/// `-->` or `--!>` ends one; an unclosed one runs to the end.
pub(super) fn comment_len(rest: &[u8]) -> usize {
    if rest.starts_with(b"<!-->") {
        return 5;
    }
    if rest.starts_with(b"<!--->") {
        return 6;
    }
    let mut from = 4;
    while let Some(p) = find(&rest[from..], b"--") {
        let at = from + p + 2;
        match rest.get(at) {
            Some(b'>') => return at + 1,
            Some(b'!') if rest.get(at + 1) == Some(&b'>') => return at + 2,
            _ => from = at - 1,
        }
    }
    rest.len()
}

/// Where the content of a script ends (the `<` of its end tag), following
/// the tokenizer's script data states: inside `<!--` a `<script` starts a
/// "double escaped" run in which `</script>` does not end the element.
pub(super) fn script_end(content: &[u8]) -> Option<usize> {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let mut state = State::Data;
    let mut i = 0;
    while i < content.len() {
        // only `<` (and `-` once escaped) can start anything: skip the rest
        let next = match state {
            State::Data => memchr::memchr(b'<', &content[i..]),
            _ => memchr::memchr2(b'<', b'-', &content[i..]),
        };
        i += next?;
        let rest = &content[i..];
        match state {
            State::Data => {
                if rest.starts_with(b"<!--") {
                    state = State::Escaped;
                    // `<!--` then `>` or `->`: the `-->` may share dashes
                    i += 2;
                    continue;
                }
                if is_end_tag(rest, b"script") {
                    return Some(i);
                }
            }
            State::Escaped => {
                if rest.starts_with(b"-->") {
                    state = State::Data;
                    i += 3;
                    continue;
                }
                if is_end_tag(rest, b"script") {
                    return Some(i);
                }
                if rest.first() == Some(&b'<') && is_tag_named(&rest[1..], b"script") {
                    state = State::DoubleEscaped;
                    i += 7;
                    continue;
                }
            }
            State::DoubleEscaped => {
                if rest.starts_with(b"-->") {
                    state = State::Data;
                    i += 3;
                    continue;
                }
                if is_end_tag(rest, b"script") {
                    state = State::Escaped;
                    i += 8;
                    continue;
                }
            }
        }
        i += 1;
    }
    None
}

/// Index just past the `>` that ends a tag whose name ends at `from`,
/// read with the tokenizer's attribute states: quotes count only where an
/// attribute value starts, so `<p class=a'b>` ends at its `>`.
pub(super) fn tag_end(bytes: &[u8], from: usize) -> usize {
    #[derive(Clone, Copy)]
    enum At {
        BeforeName,
        Name,
        AfterName,
        BeforeValue,
        Quoted(u8),
        Unquoted,
    }
    let mut at = At::BeforeName;
    for (k, &b) in bytes[from..].iter().enumerate() {
        let space = matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
        at = match (at, b) {
            (At::Quoted(q), _) if b == q => At::BeforeName,
            (At::Quoted(q), _) => At::Quoted(q),
            (_, b'>') => return from + k + 1,
            (At::BeforeValue, b'"' | b'\'') => At::Quoted(b),
            (At::BeforeValue, _) if space => At::BeforeValue,
            (At::BeforeValue, _) => At::Unquoted,
            (At::Unquoted, _) if space => At::BeforeName,
            (At::Unquoted, _) => At::Unquoted,
            (At::Name | At::AfterName, b'=') => At::BeforeValue,
            (At::Name | At::AfterName, _) if space => At::AfterName,
            (_, b'/') => At::BeforeName,
            (At::BeforeName, _) if space => At::BeforeName,
            _ => At::Name,
        };
    }
    bytes.len()
}

pub(super) fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(needle, hay)
}

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// True when `s` starts with `name` (any case) followed by whitespace,
/// `/` or `>`: what makes `<name` or `</name` a tag of that name.
pub(super) fn is_tag_named(s: &[u8], name: &[u8]) -> bool {
    s.len() > name.len()
        && s[..name.len()].eq_ignore_ascii_case(name)
        && matches!(
            s[name.len()],
            b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>'
        )
}

/// True when `s` starts with the end tag `</name`.
pub(super) fn is_end_tag(s: &[u8], name: &[u8]) -> bool {
    s.starts_with(b"</") && is_tag_named(&s[2..], name)
}

/// Position of the end tag `</name` (any case) in `hay`.
pub(super) fn find_end_tag(hay: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = memchr::memmem::find(&hay[from..], b"</") {
        let at = from + p;
        if is_end_tag(&hay[at..], name) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}
