//! A signed record's doc kept in pieces (migration 0007): a chunk's
//! signature once in `chunks`, and every reader given the doc back byte
//! for byte.

use super::*;
use crate::records::Signature;

/// Random base64 text of `len` characters.
fn text(len: usize) -> String {
    let abc = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..len)
        .map(|_| abc[rand::random_range(0..64)] as char)
        .collect()
}

/// Records of 630202 with signatures in chunks of the sizes given, each
/// record's doc in its origin's form (signature member in place). The
/// store checks no signature (the trust module does, before a commit), so
/// these are signatures in shape only: a value per chunk, a proof per
/// record (none in a chunk of one).
fn signed(chunks: &[usize]) -> Vec<Incoming> {
    let mut out = Vec::new();
    for &n in chunks {
        let value = text(86);
        for index in 0..n {
            let mut item = incoming(uuid::Uuid::now_v7(), Kind::Finding, 1, &["630000"]);
            item.record.signature = Some(Signature {
                alg: "ecdsa-p256-sha256".into(),
                key_id: "3f0a".repeat(8),
                index: index as u32,
                count: n as u32,
                value: value.clone(),
                proof: if n == 1 { String::new() } else { text(128) },
            });
            item.doc = crate::records::origin_doc(&item.record).unwrap();
            out.push(item);
        }
    }
    out
}

#[tokio::test]
async fn a_chunks_signature_is_stored_once_and_every_doc_reads_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(&dir).await;
    // Chunks of 64, 5 and 1 (a chunk of one has no proof); a record
    // whose doc is not in its origin's form; one whose signature value is
    // stored already under another key id (a forgery a check would refuse:
    // kept whole, not attached to the real chunk).
    let mut items = signed(&[64, 5, 1]);
    let mut pretty = signed(&[1]).remove(0);
    pretty.doc = serde_json::to_string_pretty(&pretty.record).unwrap();
    let mut forged = signed(&[1]).remove(0);
    let sig = forged.record.signature.as_mut().unwrap();
    sig.value = items[0].record.signature.as_ref().unwrap().value.clone();
    sig.key_id = "0".repeat(32);
    forged.doc = crate::records::origin_doc(&forged.record).unwrap();
    items.extend([pretty, forged]);
    let docs: std::collections::HashMap<String, String> = items
        .iter()
        .map(|i| (i.record.id.to_string(), i.doc.clone()))
        .collect();
    apply(&s, Some("630202"), items.clone(), vec![]).await;
    // The same again (nothing changes) and a second version of the first
    // record, in a chunk of its own, replacing its pieces.
    apply(&s, Some("630202"), items[..3].to_vec(), vec![]).await;
    let mut v2 = signed(&[1]).remove(0);
    v2.record.id = items[0].record.id;
    v2.record.version = 2;
    v2.doc = crate::records::origin_doc(&v2.record).unwrap();
    let mut docs = docs;
    docs.insert(v2.record.id.to_string(), v2.doc.clone());
    apply(&s, Some("630202"), vec![v2], vec![]).await;

    let pool = s.pool();
    let count = |q: &'static str| async move {
        sqlx::query_scalar::<_, i64>(q)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM chunks").await,
        4,
        "64, 5, 1 and v2's"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM records WHERE chunk IS NULL").await,
        2,
        "the record not in its origin's form and the forged one are whole"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM records WHERE doc LIKE '%\"signature\":%'").await,
        2
    );

    // Every reader gets each doc as received.
    let check = |seen: &str, id: &str| assert_eq!(seen, docs[id], "record {id}");
    for (rid, doc) in &docs {
        let uuid: uuid::Uuid = rid.parse().unwrap();
        let (held, _) = s.held_copy(&uuid).await.unwrap().unwrap();
        check(&held, rid);
        let record = s.get(&uuid).await.unwrap().unwrap();
        assert_eq!(serde_json::to_value(&record).unwrap(), {
            let v: serde_json::Value = serde_json::from_str(doc).unwrap();
            v
        });
    }
    let filter = RecordFilter {
        limit: 1000,
        ..Default::default()
    };
    let queried = s.query(&filter).await.unwrap();
    assert_eq!(queried.len(), docs.len());
    for (_, r) in &queried {
        let rid = r.id.to_string();
        assert_eq!(
            r.signature,
            serde_json::from_str::<Record>(&docs[&rid])
                .unwrap()
                .signature
        );
    }
    for own in s
        .records_of_origin(&id("630202"), None, 1000)
        .await
        .unwrap()
    {
        check(&own.doc, &own.id);
    }
    for item in s
        .records_in_range(Lane::Bulk, 0, i64::MAX, 1000)
        .await
        .unwrap()
    {
        check(&item.doc, &item.record.id.to_string());
    }
    s.close().await;

    // Reopened, the outbox is read back from the database, not the tail.
    let s = open(&dir).await;
    let (items, _) = s
        .outbox_batch(&id("630000"), [0, 0], 1000, 1 << 24)
        .await
        .unwrap();
    assert_eq!(items.len(), docs.len());
    for item in &items {
        check(&item.doc, &item.change.record_id);
    }
}
