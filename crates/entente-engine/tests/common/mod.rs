//! Builders shared by the engine's integration tests: a variable with one undated estimate, an item.

use entente_core::*;

/// A variable with one undated estimate of `dist`.
pub fn var(id: &str, unit: &str, dist: Distribution) -> Variable {
    Variable {
        cumulative: false,
        id: id.into(),
        unit: Unit::parse(unit).unwrap(),
        description: String::new(),
        kind: VariableKind::Estimates(vec![Estimate {
            public: None,
            dist,
            truncation: Truncation::default(),
            claims: vec![],
            note: String::new(),
        }]),
    }
}

/// An item of `flow` whose quantity and unit price are the expressions `q` and `p`.
pub fn item(id: &str, flow: Flow, category: &str, unit: &str, q: &str, p: &str) -> Item {
    Item {
        id: id.into(),
        name: id.into(),
        flow,
        category: category.into(),
        unit: Unit::parse(unit).unwrap(),
        quantity: Expr::parse(q).unwrap(),
        unit_price: Expr::parse(p).unwrap(),
        from: None,
        to: None,
        counterpart: None,
        note: String::new(),
    }
}
