//! Deadlines and grades of the practice: a rectification plan within 15
//! working days of the round's feedback (反馈), a rectification report
//! within 2 months, a clue's disposal reported within 3 months; green at
//! 20 days left, yellow at 10, red when overdue. All configurable.

use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlines {
    /// Working days after feedback for the rectification plan.
    pub plan_working_days: u32,
    /// Months after feedback for the rectification report.
    pub report_months: u32,
    /// Months after transfer for a clue's disposal report.
    pub clue_months: u32,
    /// Days left at or below which an item is green.
    pub green_days: i64,
    /// Days left at or below which an item is yellow.
    pub yellow_days: i64,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            plan_working_days: 15,
            report_months: 2,
            clue_months: 3,
            green_days: 20,
            yellow_days: 10,
        }
    }
}

/// How urgent an open item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// More time left than the green threshold.
    None,
    Green,
    Yellow,
    /// Overdue.
    Red,
}

impl Grade {
    pub const ALL: [Grade; 4] = [Grade::None, Grade::Green, Grade::Yellow, Grade::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::None => "none",
            Grade::Green => "green",
            Grade::Yellow => "yellow",
            Grade::Red => "red",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

impl Deadlines {
    /// When the rectification plan is due for a round fed back on `feedback`.
    pub fn plan_due(&self, feedback: NaiveDate) -> NaiveDate {
        add_working_days(feedback, self.plan_working_days)
    }

    /// When the rectification report is due for a round fed back on `feedback`.
    pub fn report_due(&self, feedback: NaiveDate) -> NaiveDate {
        add_months(feedback, self.report_months)
    }

    /// When the disposal of a clue transferred on `transferred` is due.
    pub fn clue_due(&self, transferred: NaiveDate) -> NaiveDate {
        add_months(transferred, self.clue_months)
    }

    /// The grade of an item due on `due`, seen on `today`.
    pub fn grade(&self, due: NaiveDate, today: NaiveDate) -> Grade {
        let left = (due - today).num_days();
        if left < 0 {
            Grade::Red
        } else if left <= self.yellow_days {
            Grade::Yellow
        } else if left <= self.green_days {
            Grade::Green
        } else {
            Grade::None
        }
    }
}

/// `d` plus `n` working days (Monday to Friday; public holidays are not
/// modelled, so deadlines err on the early side).
pub fn add_working_days(d: NaiveDate, n: u32) -> NaiveDate {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

/// `d` plus `n` calendar months, clamped to the month's last day.
pub fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2024-06-14 is a Friday: 15 working days later is Friday 2024-07-05.
        assert_eq!(add_working_days(date("2024-06-14"), 15), date("2024-07-05"));
        assert_eq!(add_working_days(date("2024-06-15"), 1), date("2024-06-17"));
        assert_eq!(add_months(date("2024-12-31"), 2), date("2025-02-28"));
    }

    #[test]
    fn grades_by_days_left() {
        let d = Deadlines::default();
        let due = date("2024-08-31");
        assert_eq!(d.grade(due, date("2024-08-01")), Grade::None);
        assert_eq!(d.grade(due, date("2024-08-11")), Grade::Green);
        assert_eq!(d.grade(due, date("2024-08-21")), Grade::Yellow);
        assert_eq!(d.grade(due, date("2024-08-31")), Grade::Yellow);
        assert_eq!(d.grade(due, date("2024-09-01")), Grade::Red);
    }
}
