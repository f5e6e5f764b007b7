//! Words of a command line the CLI prints as advice, quoted so that pasting
//! the line into `sh` runs exactly what was meant (a path with a space, a
//! `--token-exec` command with its own arguments).

/// `word` quoted for `sh` when it needs it.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn words_are_quoted_only_when_sh_would_split_or_expand_them() {
        let cases = [
            ("state.json", "state.json"),
            ("./a-b_c/d=e:f,g+h@i%j", "./a-b_c/d=e:f,g+h@i%j"),
            ("", "''"),
            ("my tokens/t", "'my tokens/t'"),
            ("vault write x -", "'vault write x -'"),
            ("it's", r"'it'\''s'"),
            ("$HOME", "'$HOME'"),
            (r#"cat > "$X""#, r#"'cat > "$X"'"#),
        ];
        for (word, quoted) in cases {
            assert_eq!(shell_word(word), quoted, "{word}");
        }
    }
}
