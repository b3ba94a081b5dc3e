//! The URL fetcher against a server on an allowed loopback port: images, redirects, an
//! endless body, a slow body, HTML; and the addresses it refuses before connecting.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use engine::fetch::{fetch, FetchError, FetchPolicy, Refused};
use futures::stream;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn jpeg() -> Vec<u8> {
    let mut bytes = Vec::new();
    let image =
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 7])));
    let _ = image.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Jpeg);
    bytes
}

async fn server() -> Result<String> {
    let app = axum::Router::new()
        .route("/a.jpg", get(|| async { ([(header::CONTENT_TYPE, "application/octet-stream")], jpeg()) }))
        .route(
            "/hop/{n}",
            get(|axum::extract::Path(n): axum::extract::Path<u32>| async move {
                if n == 0 {
                    Redirect::to("/a.jpg")
                } else {
                    Redirect::to(&format!("/hop/{}", n - 1))
                }
            }),
        )
        .route("/to-private", get(|| async { Redirect::to("http://10.0.0.1/a.jpg") }))
        .route("/to-metadata", get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data/") }))
        .route("/page.html", get(|| async { ([(header::CONTENT_TYPE, "image/jpeg")], "<!doctype html><p>hello") }))
        .route("/missing.jpg", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/endless.jpg",
            get(|| async {
                let head = jpeg();
                let chunks = stream::iter(std::iter::once(head).chain(std::iter::repeat(vec![0u8; 64 * 1024])))
                    .map(Ok::<_, std::io::Error>);
                Response::new(Body::from_stream(chunks))
            }),
        )
        .route(
            "/slow.jpg",
            get(|| async {
                let chunks = stream::iter([jpeg()]).then(|chunk| async move {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    Ok::<_, std::io::Error>(chunk)
                });
                Response::new(Body::from_stream(chunks)).into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}"))
}

use futures::StreamExt;

fn allowed() -> FetchPolicy {
    FetchPolicy {
        allow_nets: vec!["127.0.0.1/32".parse().unwrap_or_else(|_| unreachable!())],
        max_bytes: 1024 * 1024,
        read_timeout: Duration::from_millis(500),
        ..FetchPolicy::default()
    }
}

#[tokio::test]
async fn images_and_redirects_within_the_allowance_are_fetched() -> Result {
    let root = server().await?;
    let got = fetch(&format!("{root}/a.jpg"), &allowed()).await?;
    assert_eq!(got.bytes, jpeg(), "the bytes decide, not the Content-Type");
    let hopped = fetch(&format!("{root}/hop/4"), &allowed()).await?;
    assert_eq!(hopped.url, format!("{root}/a.jpg"), "five hops are allowed");
    assert_eq!(fetch(&format!("{root}/hop/5"), &allowed()).await.err(), Some(FetchError::TooManyRedirects));
    Ok(())
}

#[tokio::test]
async fn what_is_not_an_image_or_too_much_is_refused() -> Result {
    let root = server().await?;
    let cases = [
        ("/page.html", FetchError::NotImage),
        ("/missing.jpg", FetchError::Status(404)),
        ("/endless.jpg", FetchError::TooBig(1024 * 1024)),
        ("/slow.jpg", FetchError::Timeout),
    ];
    for (path, want) in cases {
        assert_eq!(fetch(&format!("{root}{path}"), &allowed()).await.err(), Some(want), "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn a_redirect_to_a_refused_address_is_refused() -> Result {
    let root = server().await?;
    let cases = [("/to-private", Refused::Private), ("/to-metadata", Refused::LinkLocal)];
    for (path, class) in cases {
        assert_eq!(fetch(&format!("{root}{path}"), &allowed()).await.err(), Some(FetchError::Refused(class)), "{path}");
    }
    Ok(())
}

#[tokio::test]
async fn loopback_is_refused_without_the_allowance() -> Result {
    let root = server().await?;
    let port = root.rsplit(':').next().unwrap_or_default();
    let policy = FetchPolicy::default();
    let cases = [
        format!("{root}/a.jpg"),
        format!("http://localhost:{port}/a.jpg"),
        format!("http://[::ffff:127.0.0.1]:{port}/a.jpg"),
    ];
    for url in cases {
        let refused = fetch(&url, &policy).await.err();
        assert!(matches!(refused, Some(FetchError::Refused(_))), "{url}: {refused:?}");
    }
    Ok(())
}
