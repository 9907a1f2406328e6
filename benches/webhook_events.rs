//! What webhooks add to a booking's write and to each delivery: recording a booking's event in
//! a record with the most webhooks a user may keep (5, each hearing it), and signing one event
//! body (Standard Webhooks: HMAC-SHA256 over id, timestamp and body).

use availability_api::domain::UserRecord;
use availability_api::domain::booking::Booking;
use availability_api::domain::webhook::{EventKind, SignedDelivery, Webhook, with_events};
use availability_api::domain::{Interval, Millis};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const NOW: Millis = 1_796_400_000_000;

fn booking(id: &str) -> Booking {
    Booking {
        id: id.into(),
        range: Interval::new(NOW + 3_600_000, NOW + 5_400_000).expect("a valid range"),
        organizer: "organizer-with-a-rather-long-id@example.com".into(),
        participants: (0..25)
            .map(|i| format!("participant-{i:03}@example.com"))
            .collect(),
        title: Some("Quarterly planning with everyone who needs to be there".into()),
        created_at: NOW,
        invited: None,
    }
}

fn subscribed(webhooks: usize) -> UserRecord {
    UserRecord {
        webhooks: (0..webhooks)
            .map(|i| Webhook {
                id: format!("hook-{i}"),
                url: format!("https://hooks.example.com/{i}"),
                events: EventKind::ALL.to_vec(),
                // Recording events never reads the secret.
                sealed_secret: None,
                unsealed_secret: None,
                created_at: NOW,
                disabled: None,
            })
            .collect(),
        ..UserRecord::default()
    }
}

fn recording(c: &mut Criterion) {
    let mut group = c.benchmark_group("webhook_events/record_a_booking");
    for webhooks in [0, 5] {
        let before = subscribed(webhooks);
        let after = before.with_booking(&booking("b1"), NOW);
        group.bench_function(format!("{webhooks}_webhooks"), |b| {
            b.iter(|| {
                with_events(black_box(&before), after.clone(), NOW)
                    .outbox
                    .len()
            });
        });
    }
    group.finish();
}

fn signing(c: &mut Criterion) {
    let before = subscribed(1);
    let recorded = with_events(&before, before.with_booking(&booking("b1"), NOW), NOW);
    let entry = recorded.outbox[0].clone();
    c.bench_function("webhook_events/sign_one_delivery", |b| {
        b.iter(|| {
            SignedDelivery::of(
                black_box(&entry),
                "https://hooks.example.com/0",
                &[7; 32],
                NOW,
            )
            .signature
            .len()
        });
    });
}

criterion_group!(benches, recording, signing);
criterion_main!(benches);
