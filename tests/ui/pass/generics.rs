// Generic functions and methods, with bounds and `where` clauses, const generics included.
#![deny(warnings)]

use retry_runtime::{retry, testing};
use std::fmt::Debug;
use std::str::FromStr;

#[retry(max_attempts = 2, base = "1ms")]
fn parse<T: FromStr>(text: &str) -> Result<T, T::Err> {
    text.trim().parse()
}

#[retry(max_attempts = 2, base = "1ms")]
fn parse_where<T, E>(text: &str) -> Result<T, E>
where
    T: FromStr<Err = E> + Debug,
    E: Debug,
{
    text.parse::<T>()
}

#[retry(max_attempts = 2, base = "1ms")]
fn first_n<const N: usize, T: Copy + Default>(items: &[T]) -> Option<[T; N]> {
    let mut out = [T::default(); N];
    if items.len() < N {
        return None;
    }
    out.copy_from_slice(&items[..N]);
    Some(out)
}

struct Repo<K> {
    keys: Vec<K>,
}

impl<K> Repo<K>
where
    K: PartialEq + Clone,
{
    #[retry(max_attempts = 2, base = "1ms")]
    fn find<Q>(&self, wanted: &Q) -> Result<K, String>
    where
        Q: PartialEq<K> + ?Sized,
    {
        self.keys
            .iter()
            .find(|k| wanted == *k)
            .cloned()
            .ok_or_else(|| "missing".to_owned())
    }
}

fn main() {
    let sleeps = testing::instant_sleep();
    assert_eq!(parse::<u32>(" 42 "), Ok(42));
    assert!(parse::<u32>("x").is_err());
    assert_eq!(parse_where::<i64, _>("-7"), Ok(-7));
    assert_eq!(first_n::<2, u8>(&[1, 2, 3]), Some([1, 2]));
    assert_eq!(first_n::<4, u8>(&[1, 2, 3]), None);
    let repo = Repo {
        keys: vec!["a".to_owned(), "b".to_owned()],
    };
    assert_eq!(repo.find("b").as_deref(), Ok("b"));
    assert!(repo.find("c").is_err());
    assert_eq!(sleeps.delays().len(), 3);
}
