//! What the test set says: sentences for pages and columns, labels for screens, words
//! for signs. Plain ASCII, as the recogniser's key list spells it, with the digits,
//! capitals and punctuation real text has.

/// Sentences of running text, drawn in random order into paragraphs.
pub const SENTENCES: &[&str] = &[
    "The committee met on Tuesday, 14 March, to review the budget for the coming year.",
    "Most of the proposals were accepted without changes; two were sent back for revision.",
    "According to the survey, 62% of the residents walk or cycle to work at least twice a week.",
    "The old mill by the river was restored in 1998 and now houses a small museum.",
    "Visitors can reach the station in about ten minutes on foot from the town square.",
    "Please return the signed form before Friday, or call 0161 496 0732 with any questions.",
    "A heavy frost is expected tonight, so farmers are advised to cover young plants.",
    "The library will be closed from 24 December until 2 January for maintenance work.",
    "Our results show that the new method is faster and uses less memory than the old one.",
    "She packed a map, a torch and two sandwiches before setting off up the hill.",
    "Each chapter ends with a short list of exercises and a summary of the main ideas.",
    "The bridge carries about 40,000 vehicles a day and was widened in the spring.",
    "If the light on the front panel turns red, switch the device off and wait a minute.",
    "Tickets cost 12.50 for adults and 6.00 for children under sixteen.",
    "The report was written by a team of nine engineers over a period of six months.",
    "In the afternoon the wind dropped and the boats came back into the harbour.",
    "Fresh bread is baked every morning and sold until the shelves are empty.",
    "He wrote to the council twice, but the broken street lamp was never repaired.",
    "The garden is open to the public on the first Sunday of every month.",
    "Water boils at 100 degrees at sea level, but at a lower temperature in the mountains.",
    "The new timetable adds an early train at 6:15 and a late one at 23:40.",
    "Our office moved to the third floor of the building next to the post office.",
    "A good index makes a long book much easier to use, and saves the reader time.",
    "The pilot reported clear skies, light winds and a visibility of more than 10 km.",
    "Children from four local schools took part in the music festival this year.",
    "The recipe needs 250 g of flour, two eggs and a pinch of salt.",
    "Several members asked whether the meeting could be held in the evening instead.",
    "The museum's collection includes coins, tools and letters from the 18th century.",
    "When the power failed, the backup generator started within a few seconds.",
    "The path along the coast is steep in places and can be muddy after rain.",
];

/// Headings for pages and columns.
pub const HEADINGS: &[&str] = &[
    "Annual Report of the Town Council",
    "Notes on the River Survey",
    "A Short Guide for New Members",
    "Minutes of the Spring Meeting",
];

/// A screen's title, menu, heading, body lines and buttons.
pub struct Screen {
    pub title: &'static str,
    pub menu: &'static [&'static str],
    pub heading: &'static str,
    pub body: &'static [&'static str],
    pub fields: &'static [(&'static str, &'static str)],
    pub buttons: &'static [&'static str],
}

pub const SCREENS: &[Screen] = &[
    Screen {
        title: "Account Settings - Mail",
        menu: &["File", "Edit", "View", "Tools", "Help"],
        heading: "Your profile",
        body: &[
            "Changes to your name and address are saved when you press Save.",
            "Two-step sign-in is on for this account since 3 May 2024.",
        ],
        fields: &[
            ("Display name", "Alex Morgan"),
            ("Email address", "alex.morgan@example.org"),
            ("Phone", "+44 20 7946 0958"),
        ],
        buttons: &["Save", "Cancel", "Delete account"],
    },
    Screen {
        title: "Invoice #20417 - Billing",
        menu: &["Dashboard", "Invoices", "Customers", "Reports"],
        heading: "Invoice details",
        body: &["Payment is due within 30 days of the invoice date.", "Late payments may be charged 1.5% per month."],
        fields: &[("Customer", "Northwind Traders Ltd"), ("Amount due", "$1,284.60"), ("Due date", "2025-07-31")],
        buttons: &["Send invoice", "Download PDF", "Mark as paid"],
    },
    Screen {
        title: "Build #5821 failed - CI",
        menu: &["Overview", "Pipelines", "Settings"],
        heading: "Test summary",
        body: &[
            "412 tests passed, 3 failed and 7 were skipped in 4m 12s.",
            "The first failure was in parser::tests::nested_lists.",
        ],
        fields: &[("Branch", "feature/export-csv"), ("Commit", "9f3c2ab"), ("Runner", "linux-x64-04")],
        buttons: &["Retry", "View logs", "Cancel run"],
    },
];

/// What signs say, one or two lines each.
pub const SIGNS: &[&[&str]] = &[
    &["NO PARKING", "8AM - 6PM"],
    &["MAIN STREET", "EXIT 24"],
    &["CITY CENTRE 3 KM"],
    &["PRIVATE ROAD", "KEEP OUT"],
    &["OPEN 7 DAYS", "CAFE AND BAKERY"],
    &["PLATFORM 4", "TRAINS TO LEEDS"],
];
