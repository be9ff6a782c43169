//! How tokens read in messages and docs: as people write them (`&'static str`, `Vec<u8>`,
//! `self.policy(a, b)`), not as `to_string` spaces them (`& 'static str`, `Vec < u8 >`).

use quote::ToTokens;

pub(crate) fn readable(tokens: &impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    let parts: Vec<&str> = text.split(' ').collect();
    let mut out = String::with_capacity(text.len());
    for (i, part) in parts.iter().enumerate() {
        out.push_str(part);
        let next = parts.get(i + 1).copied().unwrap_or("");
        let glued = matches!(*part, "&" | "<" | "::" | "*" | "(" | "[" | "!" | ".")
            || matches!(next, "<" | ">" | "," | "::" | ")" | "]" | "." | "")
            || next.starts_with(['>', '(']);
        if !glued {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_as_written() {
        assert_eq!(readable(&quote!(&'static str)), "&'static str");
        assert_eq!(
            readable(&quote!(Result<Vec<u8>, String>)),
            "Result<Vec<u8>, String>"
        );
        assert_eq!(readable(&quote!(&self.policy)), "&self.policy");
        assert_eq!(readable(&quote!(config.policy(a, b))), "config.policy(a, b)");
        assert_eq!(
            readable(&quote!(impl Future<Output = u8>)),
            "impl Future<Output = u8>"
        );
    }
}
