//! The expression language of items and derived variables: numbers, variable names, `+ - * /`, parentheses,
//! `min(a, b)` and `max(a, b)`. Kept deliberately small so that every model stays readable by a reviewer.

use crate::unit::Unit;
use serde::Serialize;
use std::fmt;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    Num(f64),
    Var(String),
    Neg(Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Func {
    Min,
    Max,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Sym(char),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == '.' || b[i] == '_') {
                i += 1;
            }
            // exponent: 1e9, 2.5e-3
            if i < b.len() && (b[i] == 'e' || b[i] == 'E') {
                let save = i;
                i += 1;
                if i < b.len() && (b[i] == '+' || b[i] == '-') {
                    i += 1;
                }
                if i < b.len() && b[i].is_ascii_digit() {
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                } else {
                    i = save;
                }
            }
            let text: String = b[start..i].iter().filter(|c| **c != '_').collect();
            let v: f64 = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
            out.push(Tok::Num(v));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(b[start..i].iter().collect()));
        } else if "+-*/(),".contains(c) {
            out.push(Tok::Sym(c));
            i += 1;
        } else {
            return Err(format!("unexpected character `{c}`"));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expr(&mut self) -> Result<Expr, String> {
        let mut lhs = self.term()?;
        loop {
            let op = if self.eat('+') {
                Op::Add
            } else if self.eat('-') {
                Op::Sub
            } else {
                return Ok(lhs);
            };
            let rhs = self.term()?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
    }
    fn term(&mut self) -> Result<Expr, String> {
        let mut lhs = self.factor()?;
        loop {
            let op = if self.eat('*') {
                Op::Mul
            } else if self.eat('/') {
                Op::Div
            } else {
                return Ok(lhs);
            };
            let rhs = self.factor()?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
    }
    fn factor(&mut self) -> Result<Expr, String> {
        if self.eat('-') {
            return Ok(Expr::Neg(Box::new(self.factor()?)));
        }
        if self.eat('(') {
            let e = self.expr()?;
            if !self.eat(')') {
                return Err("missing `)`".into());
            }
            return Ok(e);
        }
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Num(v)) => {
                self.pos += 1;
                Ok(Expr::Num(v))
            }
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                if self.eat('(') {
                    let func = match name.as_str() {
                        "min" => Func::Min,
                        "max" => Func::Max,
                        _ => return Err(format!("unknown function `{name}` (known: min, max)")),
                    };
                    let a = self.expr()?;
                    if !self.eat(',') {
                        return Err(format!("`{name}` takes two arguments"));
                    }
                    let b = self.expr()?;
                    if !self.eat(')') {
                        return Err(format!("missing `)` after the arguments of `{name}`"));
                    }
                    Ok(Expr::Call(func, Box::new(a), Box::new(b)))
                } else {
                    Ok(Expr::Var(name))
                }
            }
            Some(Tok::Sym(c)) => Err(format!("unexpected `{c}`")),
            None => Err("expression ends too early".into()),
        }
    }
}

impl Expr {
    /// Parses an expression; the error says what is wrong in words a dataset author understands.
    pub fn parse(s: &str) -> Result<Expr, String> {
        let toks = lex(s)?;
        if toks.is_empty() {
            return Err("expression is empty".into());
        }
        let mut p = Parser { toks, pos: 0 };
        let e = p.expr()?;
        if p.pos != p.toks.len() {
            return Err(format!("unexpected {:?} after a complete expression", p.toks[p.pos]));
        }
        Ok(e)
    }

    /// The variable names the expression reads, in order of first appearance.
    pub fn variables(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Var(v) = e {
                if !out.contains(&v.as_str()) {
                    out.push(v.as_str());
                }
            }
        });
        out
    }

    fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Num(_) | Expr::Var(_) => {}
            Expr::Neg(a) => a.visit(f),
            Expr::Bin(_, a, b) | Expr::Call(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
        }
    }

    /// The unit of the expression given the unit of each variable, or why the units do not combine.
    pub fn unit(&self, unit_of: &impl Fn(&str) -> Option<Unit>) -> Result<Unit, String> {
        match self {
            Expr::Num(_) => Ok(Unit::dimensionless()),
            Expr::Var(v) => unit_of(v).ok_or_else(|| format!("unknown variable `{v}`")),
            Expr::Neg(a) => a.unit(unit_of),
            Expr::Bin(op, a, b) => {
                let (ua, ub) = (a.unit(unit_of)?, b.unit(unit_of)?);
                match op {
                    Op::Mul => Ok(ua.mul(&ub)),
                    Op::Div => Ok(ua.div(&ub)),
                    Op::Add | Op::Sub => {
                        if ua == ub {
                            Ok(ua)
                        } else {
                            Err(format!("cannot add or subtract {ua} and {ub} in `{self}`"))
                        }
                    }
                }
            }
            Expr::Call(func, a, b) => {
                let (ua, ub) = (a.unit(unit_of)?, b.unit(unit_of)?);
                if ua == ub {
                    Ok(ua)
                } else {
                    Err(format!("{func:?} of {ua} and {ub} in `{self}` mixes units"))
                }
            }
        }
    }

    /// Evaluates with scalar variable values (used for tornado points and closed-form checks).
    pub fn eval(&self, value_of: &impl Fn(&str) -> f64) -> f64 {
        match self {
            Expr::Num(v) => *v,
            Expr::Var(v) => value_of(v),
            Expr::Neg(a) => -a.eval(value_of),
            Expr::Bin(op, a, b) => {
                let (x, y) = (a.eval(value_of), b.eval(value_of));
                match op {
                    Op::Add => x + y,
                    Op::Sub => x - y,
                    Op::Mul => x * y,
                    Op::Div => x / y,
                }
            }
            Expr::Call(Func::Min, a, b) => a.eval(value_of).min(b.eval(value_of)),
            Expr::Call(Func::Max, a, b) => a.eval(value_of).max(b.eval(value_of)),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(v) => write!(f, "{v}"),
            Expr::Var(v) => write!(f, "{v}"),
            Expr::Neg(a) => write!(f, "-{a}"),
            Expr::Bin(op, a, b) => {
                let s = match op {
                    Op::Add => "+",
                    Op::Sub => "-",
                    Op::Mul => "*",
                    Op::Div => "/",
                };
                let paren = |e: &Expr| matches!(e, Expr::Bin(Op::Add | Op::Sub, ..));
                let wrap = |e: &Expr, need: bool| if need { format!("({e})") } else { e.to_string() };
                let left_paren = matches!(op, Op::Mul | Op::Div) && paren(a);
                let right_paren = matches!(op, Op::Mul | Op::Div | Op::Sub) && paren(b)
                    || (*op == Op::Div && matches!(**b, Expr::Bin(Op::Mul | Op::Div, ..)));
                write!(f, "{} {s} {}", wrap(a, left_paren), wrap(b, right_paren))
            }
            Expr::Call(func, a, b) => {
                let name = match func {
                    Func::Min => "min",
                    Func::Max => "max",
                };
                write!(f, "{name}({a}, {b})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(name: &str) -> f64 {
        match name {
            "a" => 2.0,
            "b" => 3.0,
            "c" => 5.0,
            _ => f64::NAN,
        }
    }

    #[test]
    fn precedence_and_functions() {
        assert_eq!(Expr::parse("a + b * c").unwrap().eval(&vals), 17.0);
        assert_eq!(Expr::parse("(a + b) * c").unwrap().eval(&vals), 25.0);
        assert_eq!(Expr::parse("a - b - c").unwrap().eval(&vals), -6.0);
        assert_eq!(Expr::parse("c / a / 2").unwrap().eval(&vals), 1.25);
        assert_eq!(Expr::parse("-a * max(b, c)").unwrap().eval(&vals), -10.0);
        assert_eq!(Expr::parse("min(a, 1e1) + 1_000").unwrap().eval(&vals), 1002.0);
    }

    #[test]
    fn display_round_trips() {
        for s in ["a + b * c", "(a + b) * c", "a / (b * c)", "a - (b - c)", "min(a, b) * 2"] {
            let e = Expr::parse(s).unwrap();
            assert_eq!(Expr::parse(&e.to_string()).unwrap(), e, "{s}");
        }
    }

    #[test]
    fn errors_are_words() {
        assert!(Expr::parse("").unwrap_err().contains("empty"));
        assert!(Expr::parse("a +").unwrap_err().contains("ends too early"));
        assert!(Expr::parse("(a").unwrap_err().contains("missing `)`"));
        assert!(Expr::parse("foo(a, b)").unwrap_err().contains("unknown function"));
        assert!(Expr::parse("a $ b").unwrap_err().contains("unexpected character"));
        assert!(Expr::parse("a b").is_err());
    }

    #[test]
    fn units_combine_or_fail() {
        let u = |v: &str| match v {
            "n" => Some(Unit::parse("shell").unwrap()),
            "p" => Some(Unit::parse("USD/shell").unwrap()),
            "r" => Some(Unit::parse("USD/rocket").unwrap()),
            _ => None,
        };
        assert_eq!(Expr::parse("n * p").unwrap().unit(&u).unwrap(), Unit::usd());
        assert_eq!(Expr::parse("n * 0.5").unwrap().unit(&u).unwrap(), Unit::base("shell"));
        assert_ne!(Expr::parse("n * r").unwrap().unit(&u).unwrap(), Unit::usd());
        assert!(Expr::parse("n + p").unwrap().unit(&u).is_err());
        assert!(Expr::parse("n * q").unwrap().unit(&u).unwrap_err().contains("unknown variable `q`"));
        assert_eq!(Expr::parse("a * b + c").unwrap().variables(), vec!["a", "b", "c"]);
    }
}
