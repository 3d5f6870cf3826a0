//! Library operations at city scale: seed 1M patrons, 2M copies and 5M
//! holds (plus 200k titles and their search terms), then time hold
//! placement, patron lookup by card number and catalogue search through the
//! HTTP router in process, and print p50/p99.
//!
//! ```text
//! cargo bench -p shiori-server --bench library_scale -- \
//!     [--database PATH|postgres://…] [--patrons N] [--items N] [--holds N] [--titles N] [--samples N]
//! ```
//!
//! Defaults are the issue's scale (1,000,000 / 2,000,000 / 5,000,000 /
//! 200,000; 2,000 samples per operation). Without `--database` a fresh SQLite
//! file goes to the temp directory, or a fresh PostgreSQL database when
//! `SHIORI_TEST_POSTGRES` is set. A database that already holds patrons is
//! measured without seeding again, so a seeded file can be reused.
//! The data is synthetic and deterministic (a fixed-seed generator).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shiori_core::catalogue::{index_terms, normalize};
use shiori_server::{build_app_with_clock, Config, Database, ManualClock};
use sqlx::{AnyPool, Row};
use tower::ServiceExt;

/// 2026-11-30T01:00:00Z.
const NOW: i64 = 1_796_000_400;

struct Args {
    database: Option<String>,
    patrons: usize,
    items: usize,
    holds: usize,
    titles: usize,
    samples: usize,
}

fn args() -> Args {
    let mut a = Args {
        database: None,
        patrons: 1_000_000,
        items: 2_000_000,
        holds: 5_000_000,
        titles: 200_000,
        samples: 2_000,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let next = || v.get(i + 1).cloned().unwrap_or_default();
        let num = || next().replace('_', "").parse::<usize>().unwrap_or(0);
        match v[i].as_str() {
            "--database" => a.database = Some(next()),
            "--patrons" => a.patrons = num(),
            "--items" => a.items = num(),
            "--holds" => a.holds = num(),
            "--titles" => a.titles = num(),
            "--samples" => a.samples = num(),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

const SURNAMES: &[&str] = &[
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "村上",
    "前田",
    "藤田",
    "岡田",
    "後藤",
    "長谷川",
    "近藤",
];
const GIVEN: &[&str] = &[
    "太郎",
    "花子",
    "一郎",
    "美咲",
    "健",
    "陽菜",
    "翔",
    "結衣",
    "大輔",
    "さくら",
    "春樹",
    "真由美",
];
const WORDS: &[&str] = &[
    "猫",
    "森",
    "海",
    "夜",
    "空",
    "月",
    "風",
    "雪",
    "花",
    "春",
    "夏",
    "秋",
    "冬",
    "旅",
    "街",
    "島",
    "川",
    "山",
    "星",
    "光",
    "影",
    "声",
    "夢",
    "記憶",
    "時間",
    "物語",
    "図書館",
    "料理",
    "歴史",
    "科学",
    "宇宙",
    "戦争",
    "平和",
    "恋",
    "家族",
    "学校",
    "仕事",
    "未来",
    "東京",
    "京都",
    "大阪",
    "鉄道",
    "音楽",
    "絵本",
    "数学",
    "哲学",
    "経済",
    "庭",
    "手紙",
    "窓",
    "ノート",
    "カフェ",
    "ミステリー",
    "ロボット",
    "the",
    "river",
    "garden",
    "night",
    "city",
    "story",
    "cat",
    "dream",
];
const SUBJECTS: &[&str] = &[
    "日本文学",
    "小説",
    "随筆",
    "児童書",
    "絵本",
    "歴史",
    "科学",
    "料理",
    "旅行",
    "経済",
    "哲学",
    "芸術",
    "Fiction",
    "History",
];
const BRANCHES: &[&str] = &["central", "east", "west"];

fn title_text(rng: &mut StdRng) -> String {
    let n = rng.gen_range(2..=4);
    let mut parts: Vec<&str> = (0..n)
        .map(|_| WORDS[rng.gen_range(0..WORDS.len())])
        .collect();
    let joiner = if rng.gen_bool(0.5) { "の" } else { "と" };
    let mut t = parts.remove(0).to_owned();
    for p in parts {
        t.push_str(joiner);
        t.push_str(p);
    }
    if rng.gen_bool(0.2) {
        t.push_str(&format!(" 第{}巻", rng.gen_range(1..=12)));
    }
    t
}

/// Multi-row INSERTs of `cols` columns, `rows_per` rows per statement.
async fn insert_rows(
    pool: &AnyPool,
    table_cols: &str,
    cols: usize,
    rows: &[Vec<Value>],
) -> Result<(), sqlx::Error> {
    let per = (30_000 / cols).min(1_000);
    let mut tx = pool.begin().await?;
    for chunk in rows.chunks(per) {
        let mut sql = format!("INSERT INTO {table_cols} VALUES ");
        let mut n = 0;
        for (r, _) in chunk.iter().enumerate() {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..cols {
                if c > 0 {
                    sql.push(',');
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Value::Int(i) => q.bind(*i),
                    Value::Text(s) => q.bind(s.as_str()),
                    Value::Null => q.bind(None::<String>),
                };
            }
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await
}

#[derive(Clone)]
enum Value {
    Int(i64),
    Text(String),
    Null,
}

use Value::{Int, Null, Text};

async fn seed(state: &shiori_server::AppState, a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let pool = state.db().pool();
    let mut rng = StdRng::seed_from_u64(2026);
    let t0 = Instant::now();

    // Titles and their search terms.
    for start in (0..a.titles).step_by(20_000) {
        let end = (start + 20_000).min(a.titles);
        let mut titles = Vec::new();
        let mut terms = Vec::new();
        for id in start..end {
            let id = id as i64 + 1;
            let title = title_text(&mut rng);
            let author = format!(
                "{}{}",
                SURNAMES[rng.gen_range(0..SURNAMES.len())],
                GIVEN[rng.gen_range(0..GIVEN.len())]
            );
            let subject = SUBJECTS[rng.gen_range(0..SUBJECTS.len())];
            let search = normalize(&format!("{title} {author} {subject}"));
            for term in index_terms(&search) {
                terms.push(vec![Text(term), Int(id)]);
            }
            titles.push(vec![
                Int(id),
                Text(format!("seed:{id}")),
                Text(format!("979{:010}", id)), // not check-digit valid: never matched by ISBN search
                Text(title),
                Null,
                Text(author),
                Null,
                Int(1990 + (id % 35)),
                Text(subject.to_owned()),
                Text(search),
                Int(NOW),
                Int(NOW),
            ]);
        }
        insert_rows(
            pool,
            "titles (id, match_key, isbn, title, title_kana, authors, publisher, year, subjects, search_text, created_at, updated_at)",
            12,
            &titles,
        )
        .await?;
        insert_rows(pool, "title_terms (term, title_id)", 2, &terms).await?;
    }
    eprintln!("seed: {} titles in {:.1?}", a.titles, t0.elapsed());

    // Copies.
    for start in (0..a.items).step_by(50_000) {
        let end = (start + 50_000).min(a.items);
        let rows: Vec<Vec<Value>> = (start..end)
            .map(|i| {
                vec![
                    Text(format!("S{:09}", i + 1)),
                    Int((i % a.titles) as i64 + 1),
                    Text(BRANCHES[i % 3].to_owned()),
                    Text(format!("{:03}", i % 1000)),
                    Text("available".into()),
                    Int(NOW),
                ]
            })
            .collect();
        insert_rows(
            pool,
            "items (barcode, title_id, branch, shelf, status, created_at)",
            6,
            &rows,
        )
        .await?;
    }
    eprintln!("seed: {} copies at {:.1?}", a.items, t0.elapsed());

    // Patrons with real card numbers of the configured scheme.
    let scheme = state.card_number_scheme();
    for start in (0..a.patrons).step_by(20_000) {
        let end = (start + 20_000).min(a.patrons);
        let mut serials = Vec::new();
        let mut patrons = Vec::new();
        for i in start..end {
            let (serial, number) = scheme.issue_at_or_after(i as u64 + 1)?;
            let id = format!("p{:08}", i + 1);
            serials.push(vec![
                Int(serial as i64),
                Text(number.digits().to_owned()),
                Int(NOW),
            ]);
            // Name × gender × birth date is unique (the matching rule).
            let names = SURNAMES.len() * GIVEN.len();
            let name = i % names;
            let gender = ["male", "female", "unknown"][(i / names) % 3];
            let birth = time::Date::from_julian_day(2_433_283 + (i / (names * 3)) as i32)?;
            patrons.push(vec![
                Text(id),
                Text(format!(
                    "{}\u{3000}{}",
                    SURNAMES[name % SURNAMES.len()],
                    GIVEN[name / SURNAMES.len()]
                )),
                Text("東京都テスト区栞町一丁目1番1号".into()),
                Text(birth.to_string()),
                Text(gender.into()),
                Text(format!("p{i}@example.jp")),
                Int(serial as i64),
                Text(number.digits().to_owned()),
                Int(NOW),
                Int(NOW),
            ]);
        }
        insert_rows(
            pool,
            "card_serials (serial, card_number, issued_at)",
            3,
            &serials,
        )
        .await?;
        insert_rows(
            pool,
            "patrons (id, name, address, birth_date, gender, email, card_serial, card_number, created_at, updated_at)",
            10,
            &patrons,
        )
        .await?;
    }
    eprintln!("seed: {} patrons at {:.1?}", a.patrons, t0.elapsed());

    // Holds: each patron on distinct titles, queued in order per title.
    let per_patron = a.holds.div_ceil(a.patrons.max(1)).min(9);
    let mut next_seq = vec![0i64; a.titles + 1];
    let mut made = 0usize;
    let mut batch = Vec::new();
    'outer: for p in 0..a.patrons {
        let base = rng.gen_range(0..a.titles);
        for k in 0..per_patron {
            if made >= a.holds {
                break 'outer;
            }
            let title = (base + k * 7919) % a.titles + 1;
            next_seq[title] += 1;
            batch.push(vec![
                Text(format!("h{made:09}")),
                Text(format!("p{:08}", p + 1)),
                Int(title as i64),
                Text(BRANCHES[(p + k) % 3].to_owned()),
                Int(next_seq[title]),
                Text("queued".into()),
                Int(NOW),
            ]);
            made += 1;
            if batch.len() == 50_000 {
                insert_rows(
                    pool,
                    "holds (id, patron_id, title_id, pickup_branch, queue_seq, state, created_at)",
                    7,
                    &batch,
                )
                .await?;
                batch.clear();
            }
        }
    }
    if !batch.is_empty() {
        insert_rows(
            pool,
            "holds (id, patron_id, title_id, pickup_branch, queue_seq, state, created_at)",
            7,
            &batch,
        )
        .await?;
    }
    sqlx::query("DELETE FROM term_stats").execute(pool).await?;
    sqlx::query(
        "INSERT INTO term_stats (term, titles) SELECT term, COUNT(*) FROM title_terms GROUP BY term",
    )
    .execute(pool)
    .await?;
    if state.db().backend() == shiori_server::Backend::Postgres {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('titles', 'id'), (SELECT MAX(id) FROM titles))",
        )
        .execute(pool)
        .await?;
        sqlx::query("ANALYZE").execute(pool).await?;
    } else {
        sqlx::query("ANALYZE").execute(pool).await?;
    }
    eprintln!("seed: {made} holds at {:.1?}", t0.elapsed());
    Ok(())
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!(
        "{name:<28} n={:<6} p50 {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}",
        samples.len(),
        pct(0.5),
        pct(0.99),
        samples.last().copied().unwrap_or_default()
    );
}

async fn call(
    app: &axum::Router,
    method: Method,
    uri: &str,
    body: Option<String>,
    token: Option<&str>,
) -> StatusCode {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b)),
        None => req.body(Body::empty()),
    }
    .unwrap_or_default();
    match app.clone().oneshot(req).await {
        Ok(res) => {
            let status = res.status();
            let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await;
            status
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let tmp = std::env::temp_dir().join(format!("shiori-scale-{}", std::process::id()));
        std::fs::create_dir_all(&tmp)?;
        let database: Database = match &a.database {
            Some(d) => d.as_str().into(),
            None => shiori_server::testing::test_database(&tmp).await?,
        };
        let mut config = Config::test_defaults(database, "http://127.0.0.1:8080");
        config.holds.max_open_per_patron = 1_000;
        // 0290 + 7 digits + check: room for millions of patrons (the TEST
        // scheme's 10 digits stop at 99,999).
        config.card_numbers.length = 12;
        config.session_ttl_secs = 10 * 365 * 86_400;
        let clock = Arc::new(ManualClock::new(NOW));
        let (app, state) = build_app_with_clock(config, clock).await?;
        let pool = state.db().pool().clone();
        let have: i64 = sqlx::query("SELECT COUNT(*) AS n FROM patrons")
            .fetch_one(&pool)
            .await?
            .try_get("n")?;
        if have == 0 {
            seed(&state, &a).await?;
        } else {
            eprintln!("measuring the {have} patrons already in the database");
        }
        println!("backend: {:?}", state.db().backend());
        let mut rng = StdRng::seed_from_u64(7);

        // Tokens for sampled patrons (sessions are created the real way).
        let tokens = shiori_server::testing::seed_patrons(&state, a.samples.min(2_000))
            .await
            .map_err(|e| e.body.message)?;
        let titles: i64 = sqlx::query("SELECT MAX(id) AS n FROM titles")
            .fetch_one(&pool)
            .await?
            .try_get("n")?;

        let mut placement = Vec::new();
        for i in 0..a.samples {
            let title = rng.gen_range(1..=titles);
            let body = format!(r#"{{"title_id":{title},"pickup_branch":"central"}}"#);
            let t = Instant::now();
            let s = call(
                &app,
                Method::POST,
                "/api/v1/me/holds",
                Some(body),
                Some(&tokens[i % tokens.len()]),
            )
            .await;
            placement.push(t.elapsed());
            if s != StatusCode::CREATED && s != StatusCode::CONFLICT {
                return Err(format!("hold placement answered {s}").into());
            }
        }
        report("hold placement (POST)", placement);

        let max_serial: i64 = sqlx::query("SELECT MAX(card_serial) AS n FROM patrons")
            .fetch_one(&pool)
            .await?
            .try_get("n")?;
        let scheme = state.card_number_scheme();
        let mut lookup = Vec::new();
        for _ in 0..a.samples {
            let serial = rng.gen_range(1..=max_serial as u64);
            let (_, number) = scheme.issue_at_or_after(serial)?;
            let scanned = number.barcode_payload();
            let t = Instant::now();
            let summary = shiori_server::circulation::patron_summary(&state, &scanned).await;
            lookup.push(t.elapsed());
            if let Err(e) = summary {
                if e.body.code != "unknown_card" {
                    return Err(format!("lookup: {}", e.body.code).into());
                }
            }
        }
        report("patron lookup by card", lookup);

        let queries = [
            "猫",
            "村上",
            "図書館",
            "記憶の森",
            "ミステリー",
            "cat",
            "river garden",
            "佐藤太郎",
            "9784062748681",
        ];
        let mut search = Vec::new();
        let mut per_query = Vec::new();
        for q in queries {
            let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
            let mut mine = Vec::new();
            for _ in 0..(a.samples / queries.len()).max(1) {
                let page = rng.gen_range(1..=3);
                let t = Instant::now();
                let s = call(
                    &app,
                    Method::GET,
                    &format!("/api/v1/titles?q={enc}&page={page}"),
                    None,
                    None,
                )
                .await;
                let d = t.elapsed();
                if s != StatusCode::OK {
                    return Err(format!("search {q}: {s}").into());
                }
                mine.push(d);
                search.push(d);
            }
            per_query.push((q, mine));
        }
        report("search (all queries)", search);
        for (q, mine) in per_query {
            report(&format!("  search {q:?}"), mine);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
