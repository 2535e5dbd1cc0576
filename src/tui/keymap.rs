//! The key map: embedded defaults (assets/keys.toml) merged with the user's `keys.toml`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

const DEFAULTS: &str = include_str!("../../assets/keys.toml");

/// A key with its modifiers, normalized so `G` and `shift-g` compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    /// Ctrl-C: always quit.
    pub fn ctrl_c() -> Key {
        Key {
            code: KeyCode::Char('c'),
            ctrl: true,
            alt: false,
        }
    }

    /// From a terminal key event (shift is folded into the character).
    pub fn from_event(ev: &KeyEvent) -> Key {
        // Shift is already in the character (`G`), so only ctrl and alt are kept.
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parse `ctrl-c`, `G`, `pgdn`, `f5`...
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "delete" => KeyCode::Delete,
            "backspace" => KeyCode::Backspace,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            other => return Err(format!("unknown key {other:?} in {s:?}")),
        };
        Ok(Key { code, ctrl, alt })
    }

    /// How the help overlay prints it.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "backtab".into(),
            KeyCode::Char(' ') => "space".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::Delete => "del".into(),
            KeyCode::Backspace => "bksp".into(),
            KeyCode::F(n) => format!("f{n}"),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".into(),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("ctrl-");
        }
        if self.alt {
            s.push_str("alt-");
        }
        s + &base
    }
}

/// The 1-based line of the TOML entry for key `k` (0 when not found), for error messages.
fn line_of_key(text: &str, k: &str) -> usize {
    let quoted = [format!("\"{k}\""), format!("'{k}'"), k.to_string()];
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            quoted.iter().any(|q| {
                l.strip_prefix(q.as_str())
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
        })
        .map_or(0, |i| i + 1)
}

#[derive(Deserialize)]
struct KeyFile {
    #[serde(default)]
    keys: BTreeMap<String, Action>,
}

/// Keys → actions.
#[derive(Debug, Clone)]
pub struct KeyMap {
    map: HashMap<Key, Action>,
    /// Key labels per action, in file order, for the help overlay.
    labels: BTreeMap<String, (Action, Vec<String>)>,
}

impl KeyMap {
    /// The embedded defaults.
    pub fn defaults() -> KeyMap {
        let mut km = KeyMap {
            map: HashMap::new(),
            labels: BTreeMap::new(),
        };
        // The embedded file is part of the binary and covered by a test.
        km.merge_str(DEFAULTS).expect("assets/keys.toml is valid");
        km
    }

    /// Defaults merged with a user's file (when it exists); an error names the file.
    pub fn load(user_file: &Path) -> Result<KeyMap, String> {
        let mut km = KeyMap::defaults();
        if user_file.exists() {
            let text = std::fs::read_to_string(user_file)
                .map_err(|e| format!("{}: {e}", user_file.display()))?;
            km.merge_str(&text)
                .map_err(|e| format!("{}: {e}", user_file.display()))?;
        }
        Ok(km)
    }

    /// Merge a TOML key file over this map: a key it names gets its new action. An unknown
    /// key name, or Ctrl-C bound to anything but quit, is an error naming its line.
    pub fn merge_str(&mut self, text: &str) -> Result<(), String> {
        let file: KeyFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut parsed = Vec::with_capacity(file.keys.len());
        for (k, action) in file.keys {
            let at = || format!("line {}: key {k:?}", line_of_key(text, &k));
            let key = Key::parse(&k).map_err(|e| format!("{}: {e}", at()))?;
            if key == Key::ctrl_c() && action != Action::Quit {
                return Err(format!(
                    "{}: ctrl-c always quits (so a key map can never lock you in); bind {action:?} \
                     to another key",
                    at()
                ));
            }
            parsed.push((key, action));
        }
        // Nothing is applied unless the whole file is good.
        self.map.extend(parsed);
        self.rebuild_labels();
        Ok(())
    }

    fn rebuild_labels(&mut self) {
        self.labels.clear();
        let mut pairs: Vec<(String, Action)> =
            self.map.iter().map(|(k, a)| (k.label(), *a)).collect();
        pairs.sort();
        for (label, action) in pairs {
            self.labels
                .entry(format!("{action:?}"))
                .or_insert((action, Vec::new()))
                .1
                .push(label);
        }
    }

    /// The action bound to a key event; Ctrl-C is always quit, whatever the map says.
    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev);
        if key == Key::ctrl_c() {
            return Some(Action::Quit);
        }
        self.map.get(&key).copied()
    }

    /// (keys, description) for every bound action, in the help order.
    pub fn help_lines(&self) -> Vec<(String, &'static str)> {
        Action::ALL
            .iter()
            .filter_map(|a| {
                self.labels
                    .get(&format!("{a:?}"))
                    .map(|(_, keys)| (keys.join(" "), a.describe()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_user_file_overrides() {
        let mut km = KeyMap::defaults();
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(km.action(&q), Some(Action::Quit));
        km.merge_str("[keys]\n\"q\" = \"help\"\n\"ctrl-x\" = \"quit\"\n")
            .unwrap();
        assert_eq!(km.action(&q), Some(Action::Help));
        let cx = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL);
        assert_eq!(km.action(&cx), Some(Action::Quit));
        assert!(km.merge_str("[keys]\n\"q\" = \"fly\"\n").is_err());
        assert!(Key::parse("hyper-q").is_err());
    }

    #[test]
    fn load_merges_a_user_file_and_names_a_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let missing = KeyMap::load(&dir.path().join("none.toml")).unwrap();
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(missing.action(&enter), Some(Action::Open));
        let file = dir.path().join("keys.toml");
        std::fs::write(&file, "[keys]\n\"f5\" = \"refresh\"\n").unwrap();
        let km = KeyMap::load(&file).unwrap();
        let f5 = KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE);
        assert_eq!(km.action(&f5), Some(Action::Refresh));
        assert_eq!(km.action(&enter), Some(Action::Open), "defaults stay");
        assert!(
            km.help_lines()
                .iter()
                .any(|(k, d)| k == "f5 r" && *d == "re-run the hunt")
        );
        std::fs::write(&file, "[keys]\n\"q\" = 3\n").unwrap();
        let err = KeyMap::load(&file).unwrap_err();
        assert!(err.starts_with(&file.display().to_string()), "{err}");
    }

    #[test]
    fn an_unknown_key_names_its_line_and_ctrl_c_always_quits() {
        let mut km = KeyMap::defaults();
        let err = km
            .merge_str("[keys]\n\"f5\" = \"refresh\"\n\n\"hyper-q\" = \"help\"\n")
            .unwrap_err();
        assert!(err.starts_with("line 4: key \"hyper-q\": "), "{err}");
        let f5 = KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE);
        assert_eq!(km.action(&f5), None, "a bad file changes nothing");

        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        let err = km.merge_str("[keys]\n\"ctrl-c\" = \"help\"\n").unwrap_err();
        assert!(
            err.starts_with("line 2: key \"ctrl-c\": ctrl-c always quits"),
            "{err}"
        );
        // Unbinding every other quit key still leaves Ctrl-C.
        km.merge_str("[keys]\n\"q\" = \"help\"\n").unwrap();
        assert_eq!(km.action(&ctrl_c), Some(Action::Quit));
    }
}
