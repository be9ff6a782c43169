// Lifetimes: returning data borrowed from `&self` or from an argument, named and elided.
#![deny(warnings)]

use retry_runtime::{retry, testing};

struct User {
    name: String,
    tags: Vec<String>,
}

#[derive(Debug, PartialEq)]
struct NotReady;

impl User {
    #[retry(max_attempts = 2, base = "1ms")]
    fn name(&self) -> Result<&str, NotReady> {
        if self.name.is_empty() {
            return Err(NotReady);
        }
        Ok(&self.name)
    }

    #[retry(max_attempts = 2, base = "1ms")]
    fn tag<'a>(&'a self, prefix: &str) -> Option<&'a str> {
        self.tags
            .iter()
            .map(String::as_str)
            .find(|t| t.starts_with(prefix))
    }
}

#[retry(max_attempts = 2, base = "1ms")]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> Result<&'a str, NotReady> {
    Ok(if a.len() >= b.len() { a } else { b })
}

struct Parser<'src> {
    source: &'src str,
}

impl<'src> Parser<'src> {
    #[retry(max_attempts = 2, base = "1ms")]
    fn word(&mut self) -> Option<&'src str> {
        let source = self.source.trim_start();
        let end = source.find(' ').unwrap_or(source.len());
        if end == 0 {
            return None;
        }
        let (word, rest) = source.split_at(end);
        self.source = rest;
        Some(word)
    }
}

fn main() {
    let sleeps = testing::instant_sleep();
    let user = User {
        name: "ada".to_owned(),
        tags: vec!["admin".to_owned()],
    };
    assert_eq!(user.name(), Ok("ada"));
    assert_eq!(user.tag("ad"), Some("admin"));
    assert_eq!(longest("ab", "abc"), Ok("abc"));
    let mut parser = Parser { source: "one two" };
    assert_eq!(parser.word(), Some("one"));
    assert_eq!(parser.word(), Some("two"));
    assert_eq!(parser.word(), None);
    assert_eq!(sleeps.delays().len(), 1);
}
