//! The LLM layer against real HTTP on loopback (wiremock servers speaking the OpenAI and
//! Anthropic wire formats): retries, Retry-After, timeouts, bad bodies, auth failures, budgets,
//! record/replay, and `rtlsmith eval --model` end to end, including a killed-and-resumed run.

use std::path::{Path, PathBuf};

use std::time::{Duration, Instant};

use rtlsmith::llm::client::{LlmError, Prices};
use rtlsmith::llm::{
    ChatRequest, Client, ClientConfig, Message, ModelSpec, ProviderError, build_provider,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn openai_body(text: &str, prompt: u64, completion: u64) -> serde_json::Value {
    json!({
        "id": "x", "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    })
}

fn request() -> ChatRequest {
    ChatRequest {
        model: "test-model".into(),
        messages: vec![Message::system("sys"), Message::user("write a module")],
        temperature: Some(0.85),
        top_p: Some(0.95),
        max_tokens: Some(64),
        seed: None,
        stop: vec![],
        n: None,
    }
}

fn client(server: &MockServer, cfg: ClientConfig) -> Client {
    let spec = ModelSpec::parse(&format!("openai:test-model@{}/v1", server.uri())).unwrap();
    let provider = build_provider(&spec, cfg.timeout).unwrap();
    Client::new(provider, cfg).unwrap()
}

fn fast() -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(5),
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        ..ClientConfig::default()
    }
}

#[tokio::test]
async fn success_counts_tokens_and_cost() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body("hello", 1000, 500)))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = fast();
    cfg.prices = Prices(std::iter::once(("test-model".to_string(), (1.0, 2.0))).collect());
    let c = client(&server, cfg);
    let r = c.chat(&request(), "s0").await.unwrap();
    assert_eq!(r.response.choices[0].text, "hello");
    let u = c.usage();
    assert_eq!(
        (u.requests, u.prompt_tokens, u.completion_tokens),
        (1, 1000, 500)
    );
    assert!((u.cost - (1000.0 * 1.0 + 500.0 * 2.0) / 1e6).abs() < 1e-12);
    // the request carried the sampling options
    let got: serde_json::Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(got["temperature"], 0.85);
    assert_eq!(got["max_tokens"], 64);
}

#[tokio::test]
async fn retry_after_is_honoured_on_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_string("slow down"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body("ok", 1, 1)))
        .mount(&server)
        .await;
    let c = client(&server, fast());
    let t = Instant::now();
    let r = c.chat(&request(), "s").await.unwrap();
    assert_eq!(r.attempts, 2);
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "waited only {:?}",
        t.elapsed()
    );
    assert_eq!(c.usage().retries, 1);
}

#[tokio::test]
async fn server_error_then_success() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body("ok", 1, 1)))
        .mount(&server)
        .await;
    let c = client(&server, fast());
    let r = c.chat(&request(), "s").await.unwrap();
    assert_eq!(r.attempts, 3);
}

#[tokio::test]
async fn slow_replies_hit_the_timeout_and_give_up_after_the_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_body("late", 1, 1))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let mut cfg = fast();
    cfg.timeout = Duration::from_millis(300);
    cfg.max_retries = 2;
    let c = client(&server, cfg);
    let t = Instant::now();
    let e = c.chat(&request(), "s").await.unwrap_err();
    assert!(
        matches!(
            &e,
            LlmError::Provider {
                error: ProviderError::Timeout(_),
                attempts: 3,
                ..
            }
        ),
        "{e}"
    );
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn invalid_json_bodies_are_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>gateway</html>"))
        .mount(&server)
        .await;
    let mut cfg = fast();
    cfg.max_retries = 1;
    let c = client(&server, cfg);
    let e = c.chat(&request(), "s").await.unwrap_err();
    assert!(
        matches!(
            &e,
            LlmError::Provider {
                error: ProviderError::BadBody(_),
                attempts: 2,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("<html>gateway"), "{e}");
}

#[tokio::test]
async fn auth_failure_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string("{\"error\": \"invalid api key\"}"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, fast());
    let e = c.chat(&request(), "s").await.unwrap_err();
    assert!(matches!(&e, LlmError::Provider { attempts: 1, .. }), "{e}");
    assert!(e.hint().contains("API key"), "{}", e.hint());
}

#[tokio::test]
async fn anthropic_wire_format() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "test-key"))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "content": [{"type": "text", "text": "module m; endmodule"}],
            "stop_reason": "max_tokens",
            "usage": {"input_tokens": 12, "output_tokens": 34}
        })))
        .expect(1)
        .mount(&server)
        .await;
    // SAFETY (test): the variable is read once by from_env below; tests here do not read it concurrently.
    unsafe {
        std::env::set_var("ANTHROPIC_API_KEY", "test-key");
    }
    let spec = ModelSpec::parse(&format!("anthropic:claude-test@{}", server.uri())).unwrap();
    let c = Client::new(
        build_provider(&spec, Duration::from_secs(5)).unwrap(),
        fast(),
    )
    .unwrap();
    let r = c.chat(&request(), "s").await.unwrap();
    assert_eq!(r.response.choices[0].text, "module m; endmodule");
    assert!(r.response.choices[0].truncated());
    assert_eq!(
        (r.response.prompt_tokens, r.response.completion_tokens),
        (12, 34)
    );
    let body: serde_json::Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert_eq!(body["system"], "sys");
    assert_eq!(body["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn budget_stops_requests() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body("x", 60, 40)))
        .mount(&server)
        .await;
    let mut cfg = fast();
    cfg.max_tokens_total = Some(250);
    cfg.concurrency = 1;
    let c = client(&server, cfg);
    for i in 0..3 {
        c.chat(&request(), &format!("s{i}")).await.unwrap();
    }
    let e = c.chat(&request(), "s3").await.unwrap_err();
    assert!(
        matches!(&e, LlmError::Budget(why) if why.contains("300 tokens")),
        "{e}"
    );
}

#[tokio::test]
async fn cache_record_and_replay() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body("answer", 1, 1)))
        .expect(2)
        .mount(&server)
        .await;
    let d = tempfile::tempdir().unwrap();
    let mut cfg = fast();
    cfg.cache_dir = Some(d.path().join("cache"));
    cfg.record = Some(d.path().join("session.jsonl"));
    let c = client(&server, cfg.clone());
    assert!(!c.chat(&request(), "a").await.unwrap().cached);
    assert!(
        c.chat(&request(), "a").await.unwrap().cached,
        "second identical request from cache"
    );
    assert!(
        !c.chat(&request(), "b").await.unwrap().cached,
        "a different salt is a different request"
    );
    // replay: no network at all (the server is gone), identical answers, loud misses
    drop(server);
    let replay = ClientConfig {
        replay: Some(d.path().join("session.jsonl")),
        ..fast()
    };
    let spec = ModelSpec::parse("openai:test-model@http://127.0.0.1:9/v1").unwrap();
    let r = Client::new(
        build_provider(&spec, Duration::from_secs(1)).unwrap(),
        replay,
    )
    .unwrap();
    assert_eq!(
        r.chat(&request(), "b").await.unwrap().response.choices[0].text,
        "answer"
    );
    let e = r.chat(&request(), "zzz").await.unwrap_err();
    assert!(matches!(e, LlmError::ReplayMiss { .. }), "{e}");
}

#[test]
fn missing_credentials_exit_3_naming_the_variable() {
    let out = crate::common::command(&[
        "eval",
        "verilog-eval-v2",
        &fixture("ve2"),
        "--model",
        "anthropic:claude-sonnet-4-5",
    ])
    .env_remove("ANTHROPIC_API_KEY")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ANTHROPIC_API_KEY is not set"), "{err}");
}

fn fixture(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/eval")
        .join(rel)
        .display()
        .to_string()
}

/// A server that answers every chat request with the correct design for whichever fixture
/// problem the prompt describes (after `delay`).
async fn design_server(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    let and2 = "[BEGIN]\nmodule TopModule(input a, input b, output y);\n  assign y = a & b;\nendmodule\n[DONE]";
    let dff = "[BEGIN]\nmodule TopModule(input clk, input reset, input [7:0] d, output reg [7:0] q);\n  always @(posedge clk) q <= reset ? 8'd0 : d;\nendmodule\n[DONE]";
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains("logical AND"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_body(and2, 100, 50))
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_string_contains(
            "synchronous reset",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_body(dff, 100, 50))
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

fn eval_model(uri: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let model = format!("openai:test-model@{uri}/v1");
    let mut args = vec![
        "eval".to_string(),
        "verilog-eval-v2".into(),
        fixture("ve2"),
        "--model".into(),
        model,
        "--out".into(),
        out.display().to_string(),
        "--no-cache".into(),
        "--no-llm-cache".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    crate::common::command(&args)
        .env_remove("OPENAI_API_KEY")
        .env("XDG_CACHE_HOME", out.parent().unwrap().join("xdg"))
        .output()
        .unwrap()
}

/// `eval_model` from async tests (the binary blocks, the mock server must keep serving).
async fn eval_model_async(
    uri: String,
    out: PathBuf,
    extra: &'static [&'static str],
) -> std::process::Output {
    tokio::task::spawn_blocking(move || eval_model(&uri, &out, extra))
        .await
        .unwrap()
}

fn summary_of(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn judged(out: &Path) -> usize {
    std::fs::read_to_string(out.join("results.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn eval_model_end_to_end_with_a_budget_and_a_resume() {
    let server = design_server(Duration::ZERO).await;
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    // each request costs 150 tokens: the budget allows 3 of the 2 x 4 samples
    let r = eval_model_async(
        server.uri(),
        out.clone(),
        &[
            "--n",
            "4",
            "--concurrency",
            "1",
            "--max-tokens-total",
            "400",
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("budget_exhausted"), "{stderr}");
    let first = judged(&out);
    assert_eq!(first, 3);
    let summary = summary_of(&out);
    assert!(
        summary["stop_reason"]
            .as_str()
            .unwrap()
            .starts_with("budget_exhausted")
    );
    assert_eq!(summary["llm"]["usage"]["prompt_tokens"], 300);
    // resume with room to finish: only the missing samples are requested
    let before = server.received_requests().await.unwrap().len();
    let r = eval_model_async(
        server.uri(),
        out.clone(),
        &["--n", "4", "--concurrency", "2"],
    )
    .await;
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(server.received_requests().await.unwrap().len() - before, 5);
    assert_eq!(judged(&out), 8);
    let summary = summary_of(&out);
    assert_eq!(summary["passed"], 8);
    assert!(summary.get("stop_reason").is_none());
    // every prompt and reply is in the run directory
    let g: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("generations/Prob001_and2/sample00.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(g["messages"].as_array().unwrap().len(), 3);
    assert!(
        g["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("Question:")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_model_run_resumes_without_re_requesting() {
    let server = design_server(Duration::from_millis(150)).await;
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    let model = format!("openai:test-model@{}/v1", server.uri());
    let mut child = crate::common::command(&[
        "eval",
        "verilog-eval-v2",
        &fixture("ve2"),
        "--model",
        &model,
        "--n",
        "10",
        "--concurrency",
        "1",
        "--out",
        out.to_str().unwrap(),
        "--no-cache",
        "--no-llm-cache",
    ])
    .env("XDG_CACHE_HOME", d.path().join("xdg"))
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while judged(&out) < 4 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done_before = judged(&out);
    assert!((4..20).contains(&done_before), "{done_before}");
    let requests_before = server.received_requests().await.unwrap().len();
    let r = eval_model_async(
        server.uri(),
        out.clone(),
        &["--n", "10", "--concurrency", "4"],
    )
    .await;
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let requested_after = server.received_requests().await.unwrap().len() - requests_before;
    assert!(
        requested_after <= 20 - done_before,
        "re-requested finished samples: {requested_after}"
    );
    assert_eq!(judged(&out), 20);
}

/// A malformed reply is re-asked with a message saying what was wrong (a separate counter from
/// transport retries); scripted replies are labelled as such in every report.
#[test]
fn malformed_replies_are_re_asked_and_scripted_runs_say_so() {
    let d = tempfile::tempdir().unwrap();
    let replies = d.path().join("replies.jsonl");
    let lines = [
        json!({"match": "logical AND", "reply": "[BEGIN]\nmodule TopModule(input a, input b, output y);\n  assign y = a & b;\nendmodule\n[DONE]"}),
        json!({"match": "contained no code block", "reply": "```verilog\nmodule TopModule(input clk, input reset, input [7:0] d, output reg [7:0] q);\n  always @(posedge clk) q <= reset ? 8'd0 : d;\nendmodule\n```"}),
        json!({"match": "synchronous reset", "reply": "You should use a flip-flop with a reset."}),
    ];
    std::fs::write(
        &replies,
        lines
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect::<String>(),
    )
    .unwrap();
    let run = |out: &str, reasks: &str| {
        crate::common::command(&[
            "eval",
            "verilog-eval-v2",
            &fixture("ve2"),
            "--model",
            &format!("scripted:{}", replies.display()),
            "--n",
            "2",
            "--reasks",
            reasks,
            "--out",
            d.path().join(out).to_str().unwrap(),
            "--no-cache",
        ])
        .env("XDG_CACHE_HOME", d.path().join("xdg"))
        .output()
        .unwrap()
    };
    let r = run("with", "2");
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let s = summary_of(&d.path().join("with"));
    assert_eq!(s["passed"], 4);
    assert_eq!(s["llm"]["scripted"], true);
    assert_eq!(s["llm"]["reasked"], 2);
    assert_eq!(s["llm"]["usage"]["retries"], 0);
    let md = std::fs::read_to_string(d.path().join("with/report.md")).unwrap();
    assert!(md.contains("not a model's work"), "{md}");
    let g: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            d.path()
                .join("with/generations/Prob002_dff8r/sample00.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(g["malformed"][0], "no-code");
    assert!(
        g["messages"][3]["content"]
            .as_str()
            .unwrap()
            .contains("contained no code block")
    );
    // with no re-asks (the official protocol) the prose reply is judged and fails to compile
    let r = run("without", "0");
    assert_eq!(r.status.code(), Some(0));
    let s = summary_of(&d.path().join("without"));
    assert_eq!(s["passed"], 2);
    let dff = s["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "Prob002_dff8r")
        .unwrap();
    assert_eq!(dff["c"], 0);
}

#[tokio::test]
async fn requests_per_minute_are_limited() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body("ok", 1, 1)))
        .mount(&server)
        .await;
    let mut cfg = fast();
    cfg.rpm = Some(2);
    cfg.rpm_window = Duration::from_millis(400);
    let c = client(&server, cfg);
    let t = Instant::now();
    for i in 0..5 {
        c.chat(&request(), &format!("r{i}")).await.unwrap();
    }
    // 2 per 400 ms: the 3rd and 5th request each wait for the window to move
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(780) && took < Duration::from_secs(10),
        "{took:?}"
    );
}

#[test]
fn the_llm_table_of_the_manifest_supplies_the_model() {
    let d = tempfile::tempdir().unwrap();
    let replies = d.path().join("r.jsonl");
    std::fs::write(
        &replies,
        json!({"match": "Question", "reply": "[BEGIN]\nmodule TopModule(input a, input b, output y);\n  assign y = a & b;\nendmodule\n[DONE]"}).to_string() + "\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("rtlsmith.toml"),
        format!("[llm]\nmodel = \"scripted:{}\"\nn = 2\n", replies.display()),
    )
    .unwrap();
    let out = crate::common::command(&[
        "eval",
        "verilog-eval-v2",
        &fixture("ve2"),
        "--shard",
        "1/2",
        "--out",
        "run",
        "--no-cache",
    ])
    .current_dir(d.path())
    .env("XDG_CACHE_HOME", d.path().join("xdg"))
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = summary_of(&d.path().join("run"));
    assert_eq!(s["samples"], 2);
    assert_eq!(s["passed"], 2);
    assert!(
        s["llm"]["provider"]
            .as_str()
            .unwrap()
            .starts_with("scripted:")
    );
}
