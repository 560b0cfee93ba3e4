//! Flows between two recognised lists: how the poor (and the near-poor) at the start became those at the end, in
//! the rows officials report (DOMAIN.md §6): start; decreases (became the other class, rose above near-poor,
//! other decreases); increases (came from the other class, fell back, newly classified, other increases); end.
//!
//! Definitions used (written here because the forms do not define them):
//! - a household absent from the end list left the register (moved away, merged, died out): *other decrease*;
//! - a household absent from the start list joined it (moved in, split off): *other increase*;
//! - a household that was in the class in any recognised list before the start list and is back: *fell back*
//!   (tái nghèo / tái cận nghèo);
//! - any other household present at the start and in the class at the end: *newly* (phát sinh mới).

use super::Class;

/// One household's place in the two lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement {
    /// Class in the start list; `None` if the household is not in it.
    pub start: Option<Class>,
    /// Class in the end list; `None` if the household is not in it.
    pub end: Option<Class>,
    /// Poor in a recognised list before the start list.
    pub poor_before: bool,
    /// Near-poor in a recognised list before the start list.
    pub near_poor_before: bool,
}

/// The flow of one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flow {
    pub start: u64,
    /// Poor → near-poor (for the poor), near-poor → poor (for the near-poor).
    pub to_other_class: u64,
    /// Rose above near-poor (vượt chuẩn cận nghèo).
    pub rose_above: u64,
    pub other_decreases: u64,
    /// Near-poor → poor (for the poor), poor → near-poor (for the near-poor).
    pub from_other_class: u64,
    pub fell_back: u64,
    pub newly: u64,
    pub other_increases: u64,
    pub end: u64,
}

impl Flow {
    pub fn decreases(&self) -> u64 {
        self.to_other_class + self.rose_above + self.other_decreases
    }

    pub fn increases(&self) -> u64 {
        self.from_other_class + self.fell_back + self.newly + self.other_increases
    }

    /// start + increases − decreases = end.
    pub fn balances(&self) -> bool {
        self.start + self.increases() == self.end + self.decreases()
    }

    /// Adds another unit's flow.
    pub fn merge(&mut self, other: &Flow) {
        self.start += other.start;
        self.to_other_class += other.to_other_class;
        self.rose_above += other.rose_above;
        self.other_decreases += other.other_decreases;
        self.from_other_class += other.from_other_class;
        self.fell_back += other.fell_back;
        self.newly += other.newly;
        self.other_increases += other.other_increases;
        self.end += other.end;
    }
}

/// The flows of the poor and of the near-poor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flows {
    pub poor: Flow,
    pub near_poor: Flow,
}

impl Flows {
    /// Adds one household.
    pub fn add(&mut self, movement: &Movement) {
        step(
            &mut self.poor,
            movement,
            Class::Poor,
            Class::NearPoor,
            movement.poor_before,
        );
        step(
            &mut self.near_poor,
            movement,
            Class::NearPoor,
            Class::Poor,
            movement.near_poor_before,
        );
    }

    pub fn merge(&mut self, other: &Flows) {
        self.poor.merge(&other.poor);
        self.near_poor.merge(&other.near_poor);
    }
}

fn step(flow: &mut Flow, movement: &Movement, class: Class, other: Class, before: bool) {
    let was = movement.start == Some(class);
    let is = movement.end == Some(class);
    flow.start += u64::from(was);
    flow.end += u64::from(is);
    if was && !is {
        match movement.end {
            Some(end) if end == other => flow.to_other_class += 1,
            Some(_) => flow.rose_above += 1,
            None => flow.other_decreases += 1,
        }
    }
    if is && !was {
        match movement.start {
            Some(start) if start == other => flow.from_other_class += 1,
            None => flow.other_increases += 1,
            Some(_) if before => flow.fell_back += 1,
            Some(_) => flow.newly += 1,
        }
    }
}

/// Flows of a set of households.
pub fn flows<'a>(movements: impl IntoIterator<Item = &'a Movement>) -> Flows {
    let mut flows = Flows::default();
    for movement in movements {
        flows.add(movement);
    }
    flows
}
