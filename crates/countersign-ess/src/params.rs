//! Request parameters in the flat form of API 3.0 GET requests and v1-signed requests
//! (`FileInfos.0.FileName=a.pdf&Operator.UserId=u1`, form-urlencoded), turned into the JSON object a
//! POST body would carry, and serde helpers that read the strings of that form as numbers and
//! booleans.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::error::ApiError;

/// Most `name=value` pairs one request may carry (20 files of 2 fields plus nested objects).
pub const MAX_PARAMS: usize = 1000;
/// Largest list index accepted in a flat name (`BusinessIds.99`).
pub const MAX_LIST_INDEX: usize = 999;

/// Splits `a=1&b=2` and percent-decodes names and values (`+` is a space).
pub fn parse_form(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut pairs = Vec::new();
    for part in text.split('&').filter(|part| !part.is_empty()) {
        if pairs.len() >= MAX_PARAMS {
            return Err(ApiError::invalid(format!(
                "more than {MAX_PARAMS} request parameters"
            )));
        }
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((percent_decode(name)?, percent_decode(value)?));
    }
    Ok(pairs)
}

fn percent_decode(text: &str) -> Result<String, ApiError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(index.saturating_add(1)..index.saturating_add(3))
                    .and_then(|pair| std::str::from_utf8(pair).ok())
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                    .ok_or_else(|| {
                        ApiError::invalid(format!("bad percent-escape in parameter {text:.40}"))
                    })?;
                out.push(hex);
                index = index.saturating_add(2);
            }
            other => out.push(other),
        }
        index = index.saturating_add(1);
    }
    String::from_utf8(out).map_err(|_| ApiError::invalid("a request parameter is not UTF-8"))
}

/// A node of the tree being rebuilt: a leaf string, an object, or a list by index.
enum Node {
    Leaf(String),
    Object(BTreeMap<String, Node>),
    List(BTreeMap<usize, Node>),
}

/// Rebuilds the JSON object of flat `pairs`: dotted names nest, numeric segments index lists,
/// values stay strings (the action's model reads them as numbers or booleans where it needs to).
/// The values move into the tree: a large one (a form-encoded FileBody) is not copied.
pub fn unflatten(pairs: Vec<(String, String)>) -> Result<Value, ApiError> {
    let mut root = BTreeMap::new();
    for (name, value) in pairs {
        let segments: Vec<&str> = name.split('.').collect();
        insert(&mut root, &name, &segments, value)?;
    }
    into_value(Node::Object(root), "")
}

fn conflict(name: &str) -> ApiError {
    ApiError::invalid(format!("parameter {name} conflicts with another parameter"))
}

fn insert(
    object: &mut BTreeMap<String, Node>,
    name: &str,
    segments: &[&str],
    value: String,
) -> Result<(), ApiError> {
    let Some((first, rest)) = segments.split_first() else {
        return Err(conflict(name));
    };
    if first.is_empty() {
        return Err(ApiError::invalid(format!(
            "malformed parameter name {name}"
        )));
    }
    if rest.is_empty() {
        if object.contains_key(*first) {
            return Err(conflict(name));
        }
        object.insert((*first).to_owned(), Node::Leaf(value));
        return Ok(());
    }
    let child = object
        .entry((*first).to_owned())
        .or_insert_with(|| container_for(rest));
    insert_node(child, name, rest, value)
}

fn container_for(segments: &[&str]) -> Node {
    match segments.first().map(|s| s.parse::<usize>()) {
        Some(Ok(_)) => Node::List(BTreeMap::new()),
        _ => Node::Object(BTreeMap::new()),
    }
}

fn insert_node(
    node: &mut Node,
    name: &str,
    segments: &[&str],
    value: String,
) -> Result<(), ApiError> {
    match node {
        Node::Object(object) => insert(object, name, segments, value),
        Node::List(list) => {
            let Some((first, rest)) = segments.split_first() else {
                return Err(conflict(name));
            };
            let index: usize = first.parse().map_err(|_| conflict(name))?;
            if index > MAX_LIST_INDEX {
                return Err(ApiError::invalid(format!(
                    "list index {index} of {name} is over {MAX_LIST_INDEX}"
                )));
            }
            if rest.is_empty() {
                if list.contains_key(&index) {
                    return Err(conflict(name));
                }
                list.insert(index, Node::Leaf(value));
                return Ok(());
            }
            let child = list.entry(index).or_insert_with(|| container_for(rest));
            insert_node(child, name, rest, value)
        }
        Node::Leaf(_) => Err(conflict(name)),
    }
}

fn into_value(node: Node, name: &str) -> Result<Value, ApiError> {
    Ok(match node {
        Node::Leaf(text) => Value::String(text),
        Node::Object(object) => {
            let mut map = Map::new();
            for (key, child) in object {
                let value = into_value(child, &key)?;
                map.insert(key, value);
            }
            Value::Object(map)
        }
        Node::List(list) => {
            let mut items = Vec::with_capacity(list.len());
            for (expected, (index, child)) in list.into_iter().enumerate() {
                if index != expected {
                    return Err(ApiError::invalid(format!(
                        "list {name} has no item {expected}"
                    )));
                }
                items.push(into_value(child, name)?);
            }
            Value::Array(items)
        }
    })
}

/// An optional integer given as a JSON number or, in the flat form, as a string of digits.
pub fn lenient_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(i64),
        Text(String),
    }
    match Option::<Either>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Either::Number(number)) => Ok(Some(number)),
        Some(Either::Text(text)) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{text:.40} is not an integer"))),
    }
}

/// An optional boolean given as JSON or, in the flat form, as `true`/`false` in any case (the
/// Python SDK writes `True`) or `1`/`0`.
pub fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Bool(bool),
        Text(String),
    }
    match Option::<Either>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Either::Bool(value)) => Ok(Some(value)),
        Some(Either::Text(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" | "" => Ok(Some(false)),
            _ => Err(serde::de::Error::custom(format!(
                "{text:.40} is not a boolean"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flat_parameters_rebuild_the_json_body() {
        let pairs = parse_form(
            "BusinessType=DOCUMENT&FileInfos.0.FileName=a%20b.pdf&FileInfos.0.FileBody=JVBE%2B%2F%3D\
             &FileInfos.1.FileName=%E5%90%88%E5%90%8C.pdf&Caller.OperatorId=u+1&SyncMode=True",
        )
        .unwrap();
        assert_eq!(
            unflatten(pairs).unwrap(),
            json!({
                "BusinessType": "DOCUMENT",
                "FileInfos": [{"FileName": "a b.pdf", "FileBody": "JVBE+/="}, {"FileName": "合同.pdf"}],
                "Caller": {"OperatorId": "u 1"},
                "SyncMode": "True",
            })
        );
    }

    #[test]
    fn malformed_flat_parameters_are_refused() {
        for text in [
            "a=1&a=2",
            "a=1&a.b=2",
            "a.b=1&a=2",
            "Ids.1=x",
            "Ids.0=x&Ids.b=y",
            "Ids.1000=x",
            "a..b=1",
            "a=%zz",
            "a=%e5",
        ] {
            let result = parse_form(text).and_then(unflatten);
            assert!(result.is_err(), "{text} accepted: {result:?}");
        }
        let many = vec!["a=1"; MAX_PARAMS + 1].join("&");
        assert!(parse_form(&many).is_err());
    }

    #[test]
    fn numbers_and_booleans_read_from_strings() {
        #[derive(Deserialize)]
        struct Model {
            #[serde(default, deserialize_with = "lenient_i64")]
            n: Option<i64>,
            #[serde(default, deserialize_with = "lenient_bool")]
            b: Option<bool>,
        }
        let read = |value: Value| serde_json::from_value::<Model>(value).map(|m| (m.n, m.b));
        assert_eq!(
            read(json!({"n": "60", "b": "True"})).unwrap(),
            (Some(60), Some(true))
        );
        assert_eq!(
            read(json!({"n": 5, "b": false})).unwrap(),
            (Some(5), Some(false))
        );
        assert_eq!(read(json!({"b": "false"})).unwrap(), (None, Some(false)));
        assert!(read(json!({"n": "6x"})).is_err());
        assert!(read(json!({"b": "yes"})).is_err());
    }
}
