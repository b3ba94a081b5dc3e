//! The HTML shell and the app: one page, at `/` (the server answers any other address
//! with "Page not found").

use leptos::prelude::*;

use super::describe_page::DescribePage;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                // In the server's shell, not the app: the page never changes them.
                <title>"picscribe"</title>
                <link id="leptos" rel="stylesheet" href="/pkg/picscribe.css" />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    view! { <DescribePage /> }
}
