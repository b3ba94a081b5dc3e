//! The page's components, one per file.

pub mod add_from_urls;
pub mod app;
pub mod describe_page;
pub mod error_view;
pub mod field_input;
pub mod fields_editor;
pub mod file_button;
pub mod first_stage;
pub mod image_row;
pub mod image_table;
pub mod provider_notice;
pub mod providers;
pub mod resource_codec;
pub mod settings_memory;
pub mod settings_panel;
pub mod sign_in;
pub mod toolbar;
