use serde_json::json;

use super::*;

fn product() -> Vec<Field> {
    preset_fields("Product description")
}

#[test]
fn every_preset_has_fields_that_pass_the_check() {
    for preset in ["Alt text", "Product description", "Social caption", "Extract text", "Tags"] {
        let fields = preset_fields(preset);
        assert!(!fields.is_empty(), "{preset}");
        assert_eq!(check(&fields), Ok(()), "{preset}");
    }
    let names: Vec<_> = product().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["title", "description", "bullet_points", "tags"]);
    assert!(preset_fields("Alt text")[0].is_alt_text());
}

#[test]
fn checks_what_the_page_sends() {
    let text = |name: &str| Field::new(name, FieldKind::Text, "");
    let choice = |choices: &[&str]| {
        Field::new("mood", FieldKind::Choice { choices: choices.iter().map(|c| c.to_string()).collect() }, "")
    };
    let cases = [
        (vec![text("title")], Ok(())),
        (vec![text("Title")], Err(FieldError::BadName("Title".into()))),
        (vec![text("1st")], Err(FieldError::BadName("1st".into()))),
        (vec![text("a b")], Err(FieldError::BadName("a b".into()))),
        (vec![text("")], Err(FieldError::BadName(String::new()))),
        (vec![text("x"), text("x")], Err(FieldError::Duplicate("x".into()))),
        (vec![Field::new("x", FieldKind::Text, &"i".repeat(501))], Err(FieldError::LongInstruction("x".into()))),
        (vec![choice(&[])], Err(FieldError::BadChoices("mood".into()))),
        (vec![choice(&["calm", " "])], Err(FieldError::BadChoices("mood".into()))),
        (vec![choice(&["calm", "busy"])], Ok(())),
        ((0..21).map(|i| text(&format!("f{i}"))).collect(), Err(FieldError::TooMany)),
    ];
    for (fields, want) in cases {
        assert_eq!(check(&fields), want, "{fields:?}");
    }
}

#[test]
fn the_schema_is_strict_and_typed() {
    let mut fields = product();
    fields.push(Field::new("price", FieldKind::Number, ""));
    fields.push(Field::new("in_stock", FieldKind::YesNo, "Is it shown in stock?"));
    fields.push(Field::new("season", FieldKind::Choice { choices: vec!["summer".into(), "winter".into()] }, ""));
    let schema = schema(&fields);
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(
        schema["required"],
        json!(["title", "description", "bullet_points", "tags", "price", "in_stock", "season"])
    );
    let p = &schema["properties"];
    assert_eq!(p["title"]["type"], "string");
    assert_eq!(p["title"]["description"], "A short product title, at most 80 characters.");
    assert_eq!(
        p["bullet_points"],
        json!({"type": "array", "items": {"type": "string"}, "description": "Three to five short selling points."})
    );
    assert_eq!(p["price"], json!({"type": "number"}), "no empty description");
    assert_eq!(p["in_stock"]["type"], "boolean");
    assert_eq!(p["season"]["enum"], json!(["summer", "winter"]));
    // Key order follows the fields (the model writes them in this order).
    let keys: Vec<_> = p.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    assert_eq!(keys[0], "title");
    assert!(instructions(&fields).contains("\"bullet_points\" (a list of texts): Three to five"));
    assert!(instructions(&fields).ends_with(&schema.to_string()));
}

#[test]
fn answers_fill_a_row_only_when_they_fit() {
    let fields = product();
    let good = r#"{"title":" Blue mug ","description":"A mug.","bullet_points":["Holds 300 ml"," Dishwasher safe"],"tags":["mug"],"extra":1}"#;
    let values = parse_answer(&fields, good).expect("fits");
    assert_eq!(
        Value::Object(values.clone()),
        json!({"title":"Blue mug","description":"A mug.","bullet_points":["Holds 300 ml","Dishwasher safe"],"tags":["mug"]}),
        "trimmed, extras dropped"
    );
    assert_eq!(values.keys().cloned().collect::<Vec<_>>(), ["title", "description", "bullet_points", "tags"]);
    assert_eq!(parse_answer(&fields, &format!("```json\n{good}\n```")), Ok(values), "fenced");
    let cases = [
        ("A blue mug.", AnswerError::NotJson),
        ("[1,2]", AnswerError::NotJson),
        (r#"{"title":"T","description":"D","bullet_points":[]}"#, AnswerError::Missing("tags".into())),
        (
            r#"{"title":1,"description":"D","bullet_points":[],"tags":[]}"#,
            AnswerError::WrongType("title".into(), "text"),
        ),
        (
            r#"{"title":"T","description":"D","bullet_points":"a, b","tags":[]}"#,
            AnswerError::WrongType("bullet_points".into(), "a list of texts"),
        ),
        (
            r#"{"title":"T","description":"D","bullet_points":[1],"tags":[]}"#,
            AnswerError::WrongType("bullet_points".into(), "a list of texts"),
        ),
        (r#"{"title":"T","description":"D","bullet_points":[],"tags":[]"#, AnswerError::NotJson),
    ];
    for (text, want) in cases {
        assert_eq!(parse_answer(&fields, text), Err(want), "{text}");
    }
    let typed = vec![
        Field::new("n", FieldKind::Number, ""),
        Field::new("ok", FieldKind::YesNo, ""),
        Field::new("c", FieldKind::Choice { choices: vec!["a".into()] }, ""),
    ];
    assert!(parse_answer(&typed, r#"{"n":2.5,"ok":false,"c":"a"}"#).is_ok());
    assert_eq!(
        parse_answer(&typed, r#"{"n":"2","ok":false,"c":"a"}"#),
        Err(AnswerError::WrongType("n".into(), "a number"))
    );
    assert_eq!(
        parse_answer(&typed, r#"{"n":2,"ok":"yes","c":"a"}"#),
        Err(AnswerError::WrongType("ok".into(), "true or false"))
    );
    assert_eq!(
        parse_answer(&typed, r#"{"n":2,"ok":true,"c":"b"}"#),
        Err(AnswerError::WrongType("c".into(), "one of the choices"))
    );
}

#[test]
fn values_round_trip_through_what_a_person_types() {
    let choice = FieldKind::Choice { choices: vec!["a".into()] };
    let cases = [
        (FieldKind::Text, json!("A mug"), "A mug"),
        (FieldKind::List, json!(["one", "two"]), "one\ntwo"),
        (FieldKind::Number, json!(3), "3"),
        (FieldKind::Number, json!(2.5), "2.5"),
        (FieldKind::YesNo, json!(true), "yes"),
        (FieldKind::YesNo, json!(false), "no"),
        (choice, json!("a"), "a"),
    ];
    for (kind, value, text) in cases {
        assert_eq!(to_text(&value), text, "{kind:?}");
        assert_eq!(from_text(&kind, text), value, "{kind:?}");
    }
    assert_eq!(from_text(&FieldKind::List, "one\n\n  two  \n"), json!(["one", "two"]), "blank lines dropped");
    assert_eq!(from_text(&FieldKind::Number, "about 3"), json!("about 3"), "kept as typed");
    assert_eq!(joined(&json!(["a", "b"]), "; "), "a; b");
    assert_eq!(joined(&json!(true), "; "), "yes");
}

#[test]
fn labels_and_keys() {
    assert_eq!(Field::new("bullet_points", FieldKind::List, "").label(), "Bullet points");
    assert_eq!(Field::new("alt_text", FieldKind::Text, "").label(), "Alt text");
    assert_eq!(key_part(&[]), None, "free text keeps its key");
    let a = key_part(&product());
    let mut changed = product();
    changed[0].instruction.push('!');
    assert!(a.is_some());
    assert_ne!(a, key_part(&changed), "an instruction is part of what is paid for");
}

#[test]
fn each_kind_keeps_its_json_both_ways() -> Result<(), serde_json::Error> {
    let cases = [
        (FieldKind::Text, json!({"type": "text"})),
        (FieldKind::List, json!({"type": "list"})),
        (FieldKind::Number, json!({"type": "number"})),
        (FieldKind::YesNo, json!({"type": "yes_no"})),
        (FieldKind::Choice { choices: vec!["a".into(), "b".into()] }, json!({"type": "choice", "choices": ["a", "b"]})),
    ];
    for (kind, value) in cases {
        assert_eq!(serde_json::to_value(&kind)?, value);
        assert_eq!(serde_json::from_value::<FieldKind>(value)?, kind);
    }
    // What older pages or scripts may send: extra keys are ignored, as before.
    assert_eq!(serde_json::from_value::<FieldKind>(json!({"type": "text", "choices": ["x"]}))?, FieldKind::Text);
    for refused in [json!({"type": "choice"}), json!({"type": "colour"}), json!({}), json!("text")] {
        assert!(serde_json::from_value::<FieldKind>(refused.clone()).is_err(), "{refused}");
    }
    Ok(())
}
