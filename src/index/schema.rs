//! The tantivy schema of an Event and the conversion of an Event into a tantivy document.
//!
//! Choices, and why:
//! - Keyword fields (channel, computer, user, process_name, ...) are one token, lowercased by the
//!   `kw` analyzer, so `computer:ws01` matches `WS01` the way Splunk compares field values.
//!   They keep only doc ids (`Basic`): nobody ranks on a host name.
//! - Long text (script_block_text, process, parent_process, decoded_command, data) uses the
//!   default tokenizer and keeps positions. Positions cost indexing time, but without them the
//!   query parser rejects every multi-token term, and what analysts type is exactly that:
//!   `Invoke-Command`, `C:\Windows\System32\wsmprovhost.exe`, `"-ComputerName srv01"` all become
//!   phrase queries. Measured on 200k events: positions cost ~3% more CPU and ~9% more disk
//!   than frequencies alone. Fieldnorms are off everywhere: results are ordered by time, never
//!   by score. `data` holds the raw EventData values except those equal to a long-text field.
//! - Nothing is stored but one blob: the Event as serde_json text, so reading back gives the
//!   identical Event (incl. `source`) and the doc store holds each value once.
//! - `stat_*` fields are fast-only original-case copies for the columnar stats pass.
//! - `time` and `record_id` are fast fields only. Nearly every event has its own value of each,
//!   so indexing them put two new terms per event into every segment's term dictionary (its
//!   FST build was the largest single cost of writing a segment) and into the indexing arena.
//!   tantivy answers a range on a fast field from the column anyway, and a single value
//!   (`record_id:42`) as a one-value range over it. Measured on 1M generated events: 4-8 % less
//!   ingest CPU, peak RSS 469 -> 350 MB (BENCHMARKS.md, "Speed at the source, second pass").
//!   `uid` stays indexed: fetching events by uid is a term lookup.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer, TokenizerManager};
use tantivy::{Index, TantivyDocument};

use crate::event::Event;

/// Bump when the schema or the blob format changes: an older index must then be rebuilt.
/// 2: text is stored exactly as logged (CRs kept; version 1 had turned them into LFs).
/// 3: `time` and `record_id` are fast fields only, no longer in the inverted index.
pub const SCHEMA_VERSION: u32 = 3;

/// Name of the analyzer for keyword fields: whole value, lowercased.
const KEYWORD_ANALYZER: &str = "kw";

/// Keyword fields, by their normalized snake name; long-text fields searched word by word;
/// the fields a term without a field searches. One definition, shared with the exact
/// evaluator a store without tantivy answers searches with.
pub(crate) const KEYWORD_FIELDS: &[&str] = &crate::analytics::search::eval::KEYWORD_FIELDS;
pub(crate) const TEXT_FIELDS: &[&str] = &crate::analytics::search::eval::TEXT_FIELDS;
pub(crate) const DEFAULT_SEARCH_FIELDS: &[&str] =
    &crate::analytics::search::eval::DEFAULT_SEARCH_FIELDS;

/// Handles of every field, resolved once.
#[derive(Clone)]
pub(crate) struct Fields {
    pub schema: Schema,
    pub keyword: Vec<Field>,
    pub text: Vec<Field>,
    pub time: Field,
    pub event_code: Field,
    pub record_id: Field,
    pub message_number: Field,
    pub message_total: Field,
    pub uid: Field,
    pub channel: Field,
    pub tags: Field,
    pub blob: Field,
    pub stat_channel: Field,
    pub stat_computer: Field,
    pub stat_user: Field,
}

/// Fast-only field names used by the stats pass.
pub(crate) const STAT_CHANNEL: &str = "stat_channel";
pub(crate) const STAT_COMPUTER: &str = "stat_computer";
pub(crate) const STAT_USER: &str = "stat_user";
pub(crate) const TIME: &str = "time";
pub(crate) const EVENT_CODE: &str = "event_code";
pub(crate) const UID: &str = "uid";
pub(crate) const RECORD_ID: &str = "record_id";
/// Numeric fields held as fast-field columns only, with no terms (see the module's notes).
pub(crate) const COLUMN_ONLY: &[&str] = &[TIME, RECORD_ID];

impl Fields {
    /// Build the schema of this version.
    pub fn build() -> Fields {
        let mut b = Schema::builder();
        let kw = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(KEYWORD_ANALYZER)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("default")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                .set_fieldnorms(false),
        );
        let num = NumericOptions::default().set_indexed();
        let num_fast = NumericOptions::default().set_indexed().set_fast();
        let fast_num = NumericOptions::default().set_fast();
        let fast_str = TextOptions::default().set_fast("raw");

        let keyword = KEYWORD_FIELDS
            .iter()
            .map(|n| b.add_text_field(n, kw.clone()))
            .collect();
        let text = TEXT_FIELDS
            .iter()
            .map(|n| b.add_text_field(n, text.clone()))
            .collect();
        let time = b.add_i64_field(TIME, fast_num.clone());
        let event_code = b.add_u64_field(EVENT_CODE, num_fast.clone());
        let record_id = b.add_u64_field(RECORD_ID, fast_num);
        let message_number = b.add_u64_field("message_number", num.clone());
        let message_total = b.add_u64_field("message_total", num);
        let uid = b.add_u64_field(UID, num_fast);
        let tag_options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let tags = b.add_text_field("tags", tag_options);
        // A stored text field rather than bytes: tantivy decodes stored bytes one byte at a time
        // but strings in one copy, and serde_json output is valid UTF-8.
        let blob = b.add_text_field("event", TextOptions::default().set_stored());
        let stat_channel = b.add_text_field(STAT_CHANNEL, fast_str.clone());
        let stat_computer = b.add_text_field(STAT_COMPUTER, fast_str.clone());
        let stat_user = b.add_text_field(STAT_USER, fast_str);
        let schema = b.build();
        let channel = schema
            .get_field("channel")
            .expect("channel is in the schema");
        Fields {
            schema,
            keyword,
            text,
            time,
            event_code,
            record_id,
            message_number,
            message_total,
            uid,
            channel,
            tags,
            blob,
            stat_channel,
            stat_computer,
            stat_user,
        }
    }

    /// Resolve a field by name (the schema is fixed, so a miss is a programming error).
    pub fn named(&self, name: &str) -> Field {
        self.schema
            .get_field(name)
            .unwrap_or_else(|_| panic!("field {name} is in the schema"))
    }

    /// The tantivy document of one event with its saved-query tags.
    pub fn document(&self, e: &Event, tags: &[String]) -> Result<TantivyDocument, String> {
        let mut doc = TantivyDocument::new();
        let keyword_values: [Option<&str>; 15] = [
            Some(e.channel.as_str()),
            Some(e.provider.as_str()),
            Some(e.computer.as_str()),
            e.user_id.as_deref(),
            e.user.as_deref(),
            e.script_block_id.as_deref(),
            e.path.as_deref(),
            e.process_name.as_deref(),
            e.process_path.as_deref(),
            e.process_id.as_deref(),
            e.parent_process_name.as_deref(),
            e.parent_process_path.as_deref(),
            e.parent_process_id.as_deref(),
            e.original_file_name.as_deref(),
            e.process_guid.as_deref(),
        ];
        for (field, value) in self.keyword.iter().zip(keyword_values) {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                doc.add_text(*field, v);
            }
        }
        let text_values: [Option<&str>; 4] = [
            e.script_block_text.as_deref(),
            e.process.as_deref(),
            e.parent_process.as_deref(),
            e.decoded_command.as_deref(),
        ];
        for (field, value) in self.text.iter().zip(text_values) {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                doc.add_text(*field, v);
            }
        }
        // EventData usually repeats the script text or command line verbatim: tokenizing the
        // same kilobytes twice would double the dominant indexing cost for no new matches in
        // the default fields, so `data` holds only the values not indexed above.
        let data = self.text[4];
        for v in e.data.values().filter(|v| !v.is_empty()) {
            if !text_values.contains(&Some(v.as_str())) {
                doc.add_text(data, v);
            }
        }
        doc.add_i64(self.time, e.time);
        doc.add_u64(self.event_code, u64::from(e.event_code));
        if let Some(r) = e.record_id {
            doc.add_u64(self.record_id, r);
        }
        if let Some(n) = e.message_number {
            doc.add_u64(self.message_number, u64::from(n));
        }
        if let Some(n) = e.message_total {
            doc.add_u64(self.message_total, u64::from(n));
        }
        doc.add_u64(self.uid, e.uid());
        for t in tags {
            doc.add_text(self.tags, t);
        }
        doc.add_text(self.stat_channel, &e.channel);
        doc.add_text(self.stat_computer, &e.computer);
        let who = e
            .user
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(e.user_id.as_deref())
            .unwrap_or("");
        if !who.is_empty() {
            doc.add_text(self.stat_user, who);
        }
        let blob = serde_json::to_string(e).map_err(|err| err.to_string())?;
        doc.add_text(self.blob, blob);
        Ok(doc)
    }

    /// Decode the stored blob of a document back into the Event.
    pub fn event(&self, doc: &TantivyDocument) -> Result<Event, String> {
        use tantivy::schema::Value;
        let json = doc
            .get_first(self.blob)
            .and_then(|v| v.as_str())
            .ok_or("a document without its stored event")?;
        serde_json::from_str(json).map_err(|e| format!("a stored event does not decode: {e}"))
    }
}

/// Register the analyzers the schema names (tantivy does not persist them).
pub(crate) fn register_tokenizers(index: &Index) {
    let tm: &TokenizerManager = index.tokenizers();
    tm.register(
        KEYWORD_ANALYZER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_field_is_in_the_schema() {
        let f = Fields::build();
        for name in crate::event::FIELD_NAMES {
            assert!(
                f.schema.get_field(name).is_ok(),
                "{name} is missing from the index schema"
            );
        }
    }

    #[test]
    fn keyword_values_line_up_with_field_names() {
        let f = Fields::build();
        let e = Event {
            channel: "Security".into(),
            computer: "WS01".into(),
            process_guid: Some("{G}".into()),
            ..Default::default()
        };
        let doc = f.document(&e, &[]).unwrap();
        use tantivy::schema::Value;
        let text_of = |name: &str| {
            doc.get_first(f.named(name))
                .and_then(|v| v.as_str().map(str::to_string))
        };
        assert_eq!(text_of("channel").as_deref(), Some("Security"));
        assert_eq!(text_of("computer").as_deref(), Some("WS01"));
        assert_eq!(text_of("process_guid").as_deref(), Some("{G}"));
        assert_eq!(text_of("user"), None);
        assert_eq!(f.event(&doc).unwrap(), e);
    }

    #[test]
    fn data_skips_values_already_indexed_as_long_text() {
        use tantivy::schema::Value;
        let f = Fields::build();
        let mut e = Event {
            script_block_text: Some("Invoke-Command srv01".into()),
            ..Default::default()
        };
        e.data
            .insert("ScriptBlockText".into(), "Invoke-Command srv01".into());
        e.data.insert("Path".into(), "C:\\a.ps1".into());
        e.data.insert("Empty".into(), String::new());
        let doc = f.document(&e, &[]).unwrap();
        let data: Vec<&str> = doc
            .get_all(f.named("data"))
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(data, ["C:\\a.ps1"]);
        // The stored event still has every pair.
        assert_eq!(f.event(&doc).unwrap().data.len(), 3);
    }
}
