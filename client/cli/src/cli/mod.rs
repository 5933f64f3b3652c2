//! The `medchain` command line: arguments, the commands behind them and how results print.

pub mod args;
pub mod batch;
pub mod commands;
pub mod keyfile;
mod links;
pub mod output;
pub mod rows;
