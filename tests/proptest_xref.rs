//! Property: the incremental-update xref writer round-trips. For any set of object numbers,
//! generations and values (so any set of offsets), an update appended to a table-form or
//! stream-form file is read back identically by our reader and by lopdf's: every new object's
//! xref entry names its exact offset, and the object found there is the one written.

use std::collections::BTreeMap;

use countersign::__private::pdf::{
    Dict, Document, ObjRef, Object, StringForm, UpdateWriter, XrefEntry,
};
use proptest::prelude::*;

const CLASSIC: &[u8] = include_bytes!("../testdata/pdf/classic.pdf");
const XREF_STREAM: &[u8] = include_bytes!("../testdata/pdf/xref-stream.pdf");
const HYBRID: &[u8] = include_bytes!("../testdata/pdf/hybrid.pdf");

fn name() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 1..12)
}

fn real() -> impl Strategy<Value = String> {
    (any::<i32>(), 0u32..1000).prop_map(|(whole, frac)| format!("{whole}.{frac:03}"))
}

fn value() -> impl Strategy<Value = Object> {
    let leaf = prop_oneof![
        Just(Object::Null),
        any::<bool>().prop_map(Object::Bool),
        any::<i64>().prop_map(Object::Integer),
        real().prop_map(Object::Real),
        name().prop_map(Object::Name),
        proptest::collection::vec(any::<u8>(), 0..40)
            .prop_map(|s| Object::String(s, StringForm::Literal)),
        proptest::collection::vec(any::<u8>(), 0..40)
            .prop_map(|s| Object::String(s, StringForm::Hex)),
        (1u32..1_000_000, 0u16..100).prop_map(|(n, g)| Object::Ref(ObjRef::new(n, g))),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Object::Array),
            proptest::collection::btree_map(name(), inner, 0..6)
                .prop_map(|entries| Object::Dict(entries.into_iter().collect())),
        ]
    })
}

fn top_level_value() -> impl Strategy<Value = Object> {
    prop_oneof![
        4 => value(),
        1 => (
            proptest::collection::btree_map(name(), value(), 0..4),
            proptest::collection::vec(any::<u8>(), 0..200),
        )
            .prop_map(|(entries, raw)| {
                let dict: Dict = entries
                    .into_iter()
                    .filter(|(k, _)| k != b"Length")
                    .collect();
                Object::Stream(countersign::__private::pdf::Stream { dict, raw })
            }),
    ]
}

/// Object number → (generation, value, padding written before it to move its offset).
type Update = BTreeMap<u32, (u16, Object, usize)>;

/// Numbers are relative to the base file's `/Size`: the update adds objects after the last one.
fn update() -> impl Strategy<Value = Update> {
    proptest::collection::btree_map(
        0u32..5_000,
        (0u16..100, top_level_value(), 0usize..3_000),
        1..12,
    )
}

/// Appends `objects` (renumbered after the base file's objects) to `base` through the writer under
/// test; returns the new file and the objects with their final numbers.
fn append(base: &[u8], objects: Update) -> (Vec<u8>, Update) {
    let doc = Document::parse(base).unwrap();
    let objects: Update = objects
        .into_iter()
        .map(|(num, entry)| (num + doc.size(), entry))
        .collect();
    let mut writer = UpdateWriter::new(&doc);
    for (&num, (generation, value, padding)) in &objects {
        // A comment line of any length moves the next object to an arbitrary offset.
        let buf = writer.buffer_mut();
        buf.push(b'%');
        buf.resize(buf.len() + padding, b'x');
        buf.push(b'\n');
        writer.add(ObjRef::new(num, *generation), value);
    }
    let size = objects.keys().max().map_or(doc.size(), |&n| n + 1);
    let mut file = base.to_vec();
    file.extend(
        writer
            .finish(&doc, size, &[b"first".to_vec(), b"second".to_vec()])
            .unwrap(),
    );
    (file, objects)
}

fn check_our_reader(file: &[u8], objects: &Update) -> Result<(), TestCaseError> {
    let doc = Document::parse(file).unwrap();
    for (&num, (generation, value, _)) in objects {
        let Some(XrefEntry::InFile {
            offset,
            generation: listed,
        }) = doc.entry(num).unwrap()
        else {
            return Err(TestCaseError::fail(format!(
                "object {num} not listed in file form"
            )));
        };
        prop_assert_eq!(listed, *generation);
        let header = format!("{num} {generation} obj");
        let at = usize::try_from(offset).unwrap();
        prop_assert!(
            file[at..].starts_with(header.as_bytes()),
            "offset of {} is off",
            num
        );
        prop_assert_eq!(
            doc.get(ObjRef::new(num, *generation)).unwrap(),
            without_nulls(value)
        );
    }
    // The original objects are still reachable through /Prev.
    prop_assert!(doc.catalog().is_ok());
    Ok(())
}

/// What reading back gives: a dictionary entry whose value is null is the same as no entry
/// (§7.3.7), our reader drops them.
fn without_nulls(value: &Object) -> Object {
    let dict = |d: &Dict| -> Dict {
        d.iter()
            .filter(|(_, v)| **v != Object::Null)
            .map(|(k, v)| (k.to_vec(), without_nulls(v)))
            .collect()
    };
    match value {
        Object::Array(items) => Object::Array(items.iter().map(without_nulls).collect()),
        Object::Dict(d) => Object::Dict(dict(d)),
        Object::Stream(s) => {
            // The writer adds the stream's /Length.
            let mut with_length = dict(&s.dict);
            with_length.set(b"Length".to_vec(), Object::Integer(s.raw.len() as i64));
            Object::Stream(countersign::__private::pdf::Stream {
                dict: with_length,
                raw: s.raw.clone(),
            })
        }
        other => other.clone(),
    }
}

fn check_lopdf(file: &[u8], objects: &Update) -> Result<(), TestCaseError> {
    let doc = lopdf::Document::load_mem(file)
        .map_err(|e| TestCaseError::fail(format!("lopdf cannot load the update: {e}")))?;
    for (&num, (generation, value, _)) in objects {
        match doc.reference_table.get(num) {
            Some(lopdf::xref::XrefEntry::Normal { offset, generation }) => {
                prop_assert_eq!(*generation, *generation);
                let header = format!("{num} {generation} obj");
                let at = usize::try_from(*offset).unwrap();
                prop_assert!(file[at..].starts_with(header.as_bytes()));
            }
            other => {
                return Err(TestCaseError::fail(format!(
                    "lopdf lists object {num} as {other:?}"
                )));
            }
        }
        // `objects` holds what was parsed at the offset (`get_object` would follow a reference).
        let theirs = doc
            .objects
            .get(&(num, *generation))
            .ok_or_else(|| TestCaseError::fail(format!("lopdf did not load {num} {generation}")))?;
        prop_assert!(
            same_value(value, theirs),
            "object {} {}: we wrote {:?}, lopdf read {:?}",
            num,
            generation,
            value,
            theirs
        );
    }
    Ok(())
}

/// Our object model against lopdf's (lopdf keeps reals as f32).
fn same_value(ours: &Object, theirs: &lopdf::Object) -> bool {
    use lopdf::Object as L;
    match (ours, theirs) {
        (Object::Null, L::Null) => true,
        (Object::Bool(a), L::Boolean(b)) => a == b,
        (Object::Integer(a), L::Integer(b)) => a == b,
        (Object::Real(text), L::Real(b)) => text.parse::<f32>().ok() == Some(*b),
        (Object::Real(text), L::Integer(b)) => text.parse::<f64>().ok() == Some(*b as f64),
        (Object::Name(a), L::Name(b)) => a == b,
        (Object::String(a, _), L::String(b, _)) => a == b,
        (Object::Ref(r), L::Reference((num, generation))) => {
            r.num == *num && r.generation == *generation
        }
        (Object::Array(a), L::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y))
        }
        (Object::Dict(a), L::Dictionary(b)) => same_dict(a, b),
        (Object::Stream(a), L::Stream(b)) => {
            let declared = b.dict.get(b"Length").and_then(|l| l.as_i64()).ok();
            a.raw == b.content
                && declared == Some(a.raw.len() as i64)
                && a.dict
                    .iter()
                    .all(|(k, v)| b.dict.get(k).is_ok_and(|w| same_value(v, w)))
        }
        _ => false,
    }
}

fn same_dict(ours: &Dict, theirs: &lopdf::Dictionary) -> bool {
    ours.len() == theirs.len()
        && ours
            .iter()
            .all(|(k, v)| theirs.get(k).is_ok_and(|w| same_value(v, w)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn table_updates_round_trip(objects in update()) {
        let (file, objects) = append(CLASSIC, objects);
        check_our_reader(&file, &objects)?;
        check_lopdf(&file, &objects)?;
    }

    #[test]
    fn stream_updates_round_trip(objects in update()) {
        let (file, objects) = append(XREF_STREAM, objects);
        check_our_reader(&file, &objects)?;
        check_lopdf(&file, &objects)?;
    }

    #[test]
    fn hybrid_updates_round_trip(objects in update()) {
        let (file, objects) = append(HYBRID, objects);
        check_our_reader(&file, &objects)?;
        check_lopdf(&file, &objects)?;
    }
}
