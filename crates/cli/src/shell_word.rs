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

/// The words after a command that a later run repeats, as advice prints
/// them: each word after a space, an option's value quoted for `sh`.
#[derive(Debug, Default)]
pub struct Words(String);

impl Words {
    /// A word as it is (a SID, a subcommand).
    pub fn word(&mut self, word: &str) {
        self.0.push(' ');
        self.0.push_str(word);
    }

    /// An option `name`, and its `value` quoted when it has one.
    pub fn option(&mut self, name: &str, value: Option<String>) {
        self.word(name);
        if let Some(value) = value {
            self.word(&shell_word(&value));
        }
    }

    /// The words, each after a space (empty when there are none).
    pub fn into_string(self) -> String {
        self.0
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

    #[test]
    fn words_are_spaced_and_only_option_values_quoted() {
        let mut words = super::Words::default();
        assert_eq!(std::mem::take(&mut words).into_string(), "");
        words.word("SKaaaa");
        words.option("--yes", None);
        words.option("--secret-exec", Some("cat > 'a b'".into()));
        assert_eq!(
            words.into_string(),
            r#" SKaaaa --yes --secret-exec 'cat > '\''a b'\'''"#
        );
    }
}
