//! A long `else if` chain whose branches wait (a dispatch on a command or
//! an opcode, hundreds of branches) is taken as the `match` it means, its
//! conditions evaluated in order until one holds, as many as the plain
//! function evaluates; one that meets an `if let` goes on as an `if`. A
//! chain of 300 branches compiles (nested, the translator's passes would
//! overflow rustc's stack).

#![deny(warnings)]

use std::cell::Cell;
use std::rc::Rc;

use tame::{mkevent, tamed, twait, Event};

fn answer<T: 'static>(x: T, ev: Event<T>) {
    tame::asap(Event::from_fn(move |_: Option<()>| ev.trigger(x)));
}

#[rustfmt::skip]
#[tamed]
fn dispatch(k: u32, o: Option<u32>, seen: Rc<Cell<u32>>) -> u32 {
    let asked = |i: u32| { seen.set(seen.get() + 1); k == i };
    let v = if asked(0) { twait! { answer(0, mkevent!(_)); } 1 }
    else if asked(1) {  11 }
    else if asked(2) {  21 }
    else if asked(3) { twait! { answer(0, mkevent!(_)); } 31 }
    else if asked(4) {  41 }
    else if asked(5) {  51 }
    else if asked(6) { twait! { answer(0, mkevent!(_)); } 61 }
    else if asked(7) {  71 }
    else if asked(8) {  81 }
    else if asked(9) { twait! { answer(0, mkevent!(_)); } 91 }
    else if asked(10) {  101 }
    else if asked(11) {  111 }
    else if asked(12) { twait! { answer(0, mkevent!(_)); } 121 }
    else if asked(13) {  131 }
    else if asked(14) {  141 }
    else if asked(15) { twait! { answer(0, mkevent!(_)); } 151 }
    else if asked(16) {  161 }
    else if asked(17) {  171 }
    else if asked(18) { twait! { answer(0, mkevent!(_)); } 181 }
    else if asked(19) {  191 }
    else if asked(20) {  201 }
    else if asked(21) { twait! { answer(0, mkevent!(_)); } 211 }
    else if asked(22) {  221 }
    else if asked(23) {  231 }
    else if asked(24) { twait! { answer(0, mkevent!(_)); } 241 }
    else if asked(25) {  251 }
    else if asked(26) {  261 }
    else if asked(27) { twait! { answer(0, mkevent!(_)); } 271 }
    else if asked(28) {  281 }
    else if asked(29) {  291 }
    else if let Some(x) = o.filter(|_| asked(30)) { twait! { answer(0, mkevent!(_)); } x + 1000 }
    else if asked(31) {  311 }
    else if asked(32) {  321 }
    else if asked(33) { twait! { answer(0, mkevent!(_)); } 331 }
    else if asked(34) {  341 }
    else if asked(35) {  351 }
    else if asked(36) { twait! { answer(0, mkevent!(_)); } 361 }
    else if asked(37) {  371 }
    else if asked(38) {  381 }
    else if asked(39) { twait! { answer(0, mkevent!(_)); } 391 }
    else { twait! { answer(0, mkevent!(_)); } 7 };
    v + seen.get() * 100_000
}

#[rustfmt::skip]
fn dispatch_plain(k: u32, o: Option<u32>, seen: Rc<Cell<u32>>) -> u32 {
    let asked = |i: u32| { seen.set(seen.get() + 1); k == i };
    let v = if asked(0) {  1 }
    else if asked(1) {  11 }
    else if asked(2) {  21 }
    else if asked(3) {  31 }
    else if asked(4) {  41 }
    else if asked(5) {  51 }
    else if asked(6) {  61 }
    else if asked(7) {  71 }
    else if asked(8) {  81 }
    else if asked(9) {  91 }
    else if asked(10) {  101 }
    else if asked(11) {  111 }
    else if asked(12) {  121 }
    else if asked(13) {  131 }
    else if asked(14) {  141 }
    else if asked(15) {  151 }
    else if asked(16) {  161 }
    else if asked(17) {  171 }
    else if asked(18) {  181 }
    else if asked(19) {  191 }
    else if asked(20) {  201 }
    else if asked(21) {  211 }
    else if asked(22) {  221 }
    else if asked(23) {  231 }
    else if asked(24) {  241 }
    else if asked(25) {  251 }
    else if asked(26) {  261 }
    else if asked(27) {  271 }
    else if asked(28) {  281 }
    else if asked(29) {  291 }
    else if let Some(x) = o.filter(|_| asked(30)) {  x + 1000 }
    else if asked(31) {  311 }
    else if asked(32) {  321 }
    else if asked(33) {  331 }
    else if asked(34) {  341 }
    else if asked(35) {  351 }
    else if asked(36) {  361 }
    else if asked(37) {  371 }
    else if asked(38) {  381 }
    else if asked(39) {  391 }
    else {  7 };
    v + seen.get() * 100_000
}

#[test]
fn a_long_else_if_chain_gives_the_plain_functions_values_and_evaluations() {
    for k in 0..42 {
        for o in [None, Some(5)] {
            let plain = dispatch_plain(k, o, Rc::new(Cell::new(0)));
            let tamed = tame::run_with(|e| dispatch(k, o, Rc::new(Cell::new(0)), e));
            assert_eq!(tamed, Some(plain), "k = {k}, o = {o:?}");
        }
    }
}

#[rustfmt::skip]
#[tamed]
fn three_hundred(k: u32) -> u32 {
    if k == 0 {  0 }
    else if k == 1 {  1 }
    else if k == 2 {  2 }
    else if k == 3 {  3 }
    else if k == 4 {  4 }
    else if k == 5 {  5 }
    else if k == 6 {  6 }
    else if k == 7 {  7 }
    else if k == 8 {  8 }
    else if k == 9 {  9 }
    else if k == 10 {  10 }
    else if k == 11 {  11 }
    else if k == 12 {  12 }
    else if k == 13 {  13 }
    else if k == 14 {  14 }
    else if k == 15 {  15 }
    else if k == 16 {  16 }
    else if k == 17 {  17 }
    else if k == 18 {  18 }
    else if k == 19 {  19 }
    else if k == 20 {  20 }
    else if k == 21 {  21 }
    else if k == 22 {  22 }
    else if k == 23 {  23 }
    else if k == 24 {  24 }
    else if k == 25 {  25 }
    else if k == 26 {  26 }
    else if k == 27 {  27 }
    else if k == 28 {  28 }
    else if k == 29 {  29 }
    else if k == 30 {  30 }
    else if k == 31 {  31 }
    else if k == 32 {  32 }
    else if k == 33 {  33 }
    else if k == 34 {  34 }
    else if k == 35 {  35 }
    else if k == 36 {  36 }
    else if k == 37 {  37 }
    else if k == 38 {  38 }
    else if k == 39 {  39 }
    else if k == 40 {  40 }
    else if k == 41 {  41 }
    else if k == 42 {  42 }
    else if k == 43 {  43 }
    else if k == 44 {  44 }
    else if k == 45 {  45 }
    else if k == 46 {  46 }
    else if k == 47 {  47 }
    else if k == 48 {  48 }
    else if k == 49 { twait! { answer(0, mkevent!(_)); } 49 }
    else if k == 50 {  50 }
    else if k == 51 {  51 }
    else if k == 52 {  52 }
    else if k == 53 {  53 }
    else if k == 54 {  54 }
    else if k == 55 {  55 }
    else if k == 56 {  56 }
    else if k == 57 {  57 }
    else if k == 58 {  58 }
    else if k == 59 {  59 }
    else if k == 60 {  60 }
    else if k == 61 {  61 }
    else if k == 62 {  62 }
    else if k == 63 {  63 }
    else if k == 64 {  64 }
    else if k == 65 {  65 }
    else if k == 66 {  66 }
    else if k == 67 {  67 }
    else if k == 68 {  68 }
    else if k == 69 {  69 }
    else if k == 70 {  70 }
    else if k == 71 {  71 }
    else if k == 72 {  72 }
    else if k == 73 {  73 }
    else if k == 74 {  74 }
    else if k == 75 {  75 }
    else if k == 76 {  76 }
    else if k == 77 {  77 }
    else if k == 78 {  78 }
    else if k == 79 {  79 }
    else if k == 80 {  80 }
    else if k == 81 {  81 }
    else if k == 82 {  82 }
    else if k == 83 {  83 }
    else if k == 84 {  84 }
    else if k == 85 {  85 }
    else if k == 86 {  86 }
    else if k == 87 {  87 }
    else if k == 88 {  88 }
    else if k == 89 {  89 }
    else if k == 90 {  90 }
    else if k == 91 {  91 }
    else if k == 92 {  92 }
    else if k == 93 {  93 }
    else if k == 94 {  94 }
    else if k == 95 {  95 }
    else if k == 96 {  96 }
    else if k == 97 {  97 }
    else if k == 98 {  98 }
    else if k == 99 { twait! { answer(0, mkevent!(_)); } 99 }
    else if k == 100 {  100 }
    else if k == 101 {  101 }
    else if k == 102 {  102 }
    else if k == 103 {  103 }
    else if k == 104 {  104 }
    else if k == 105 {  105 }
    else if k == 106 {  106 }
    else if k == 107 {  107 }
    else if k == 108 {  108 }
    else if k == 109 {  109 }
    else if k == 110 {  110 }
    else if k == 111 {  111 }
    else if k == 112 {  112 }
    else if k == 113 {  113 }
    else if k == 114 {  114 }
    else if k == 115 {  115 }
    else if k == 116 {  116 }
    else if k == 117 {  117 }
    else if k == 118 {  118 }
    else if k == 119 {  119 }
    else if k == 120 {  120 }
    else if k == 121 {  121 }
    else if k == 122 {  122 }
    else if k == 123 {  123 }
    else if k == 124 {  124 }
    else if k == 125 {  125 }
    else if k == 126 {  126 }
    else if k == 127 {  127 }
    else if k == 128 {  128 }
    else if k == 129 {  129 }
    else if k == 130 {  130 }
    else if k == 131 {  131 }
    else if k == 132 {  132 }
    else if k == 133 {  133 }
    else if k == 134 {  134 }
    else if k == 135 {  135 }
    else if k == 136 {  136 }
    else if k == 137 {  137 }
    else if k == 138 {  138 }
    else if k == 139 {  139 }
    else if k == 140 {  140 }
    else if k == 141 {  141 }
    else if k == 142 {  142 }
    else if k == 143 {  143 }
    else if k == 144 {  144 }
    else if k == 145 {  145 }
    else if k == 146 {  146 }
    else if k == 147 {  147 }
    else if k == 148 {  148 }
    else if k == 149 { twait! { answer(0, mkevent!(_)); } 149 }
    else if k == 150 {  150 }
    else if k == 151 {  151 }
    else if k == 152 {  152 }
    else if k == 153 {  153 }
    else if k == 154 {  154 }
    else if k == 155 {  155 }
    else if k == 156 {  156 }
    else if k == 157 {  157 }
    else if k == 158 {  158 }
    else if k == 159 {  159 }
    else if k == 160 {  160 }
    else if k == 161 {  161 }
    else if k == 162 {  162 }
    else if k == 163 {  163 }
    else if k == 164 {  164 }
    else if k == 165 {  165 }
    else if k == 166 {  166 }
    else if k == 167 {  167 }
    else if k == 168 {  168 }
    else if k == 169 {  169 }
    else if k == 170 {  170 }
    else if k == 171 {  171 }
    else if k == 172 {  172 }
    else if k == 173 {  173 }
    else if k == 174 {  174 }
    else if k == 175 {  175 }
    else if k == 176 {  176 }
    else if k == 177 {  177 }
    else if k == 178 {  178 }
    else if k == 179 {  179 }
    else if k == 180 {  180 }
    else if k == 181 {  181 }
    else if k == 182 {  182 }
    else if k == 183 {  183 }
    else if k == 184 {  184 }
    else if k == 185 {  185 }
    else if k == 186 {  186 }
    else if k == 187 {  187 }
    else if k == 188 {  188 }
    else if k == 189 {  189 }
    else if k == 190 {  190 }
    else if k == 191 {  191 }
    else if k == 192 {  192 }
    else if k == 193 {  193 }
    else if k == 194 {  194 }
    else if k == 195 {  195 }
    else if k == 196 {  196 }
    else if k == 197 {  197 }
    else if k == 198 {  198 }
    else if k == 199 { twait! { answer(0, mkevent!(_)); } 199 }
    else if k == 200 {  200 }
    else if k == 201 {  201 }
    else if k == 202 {  202 }
    else if k == 203 {  203 }
    else if k == 204 {  204 }
    else if k == 205 {  205 }
    else if k == 206 {  206 }
    else if k == 207 {  207 }
    else if k == 208 {  208 }
    else if k == 209 {  209 }
    else if k == 210 {  210 }
    else if k == 211 {  211 }
    else if k == 212 {  212 }
    else if k == 213 {  213 }
    else if k == 214 {  214 }
    else if k == 215 {  215 }
    else if k == 216 {  216 }
    else if k == 217 {  217 }
    else if k == 218 {  218 }
    else if k == 219 {  219 }
    else if k == 220 {  220 }
    else if k == 221 {  221 }
    else if k == 222 {  222 }
    else if k == 223 {  223 }
    else if k == 224 {  224 }
    else if k == 225 {  225 }
    else if k == 226 {  226 }
    else if k == 227 {  227 }
    else if k == 228 {  228 }
    else if k == 229 {  229 }
    else if k == 230 {  230 }
    else if k == 231 {  231 }
    else if k == 232 {  232 }
    else if k == 233 {  233 }
    else if k == 234 {  234 }
    else if k == 235 {  235 }
    else if k == 236 {  236 }
    else if k == 237 {  237 }
    else if k == 238 {  238 }
    else if k == 239 {  239 }
    else if k == 240 {  240 }
    else if k == 241 {  241 }
    else if k == 242 {  242 }
    else if k == 243 {  243 }
    else if k == 244 {  244 }
    else if k == 245 {  245 }
    else if k == 246 {  246 }
    else if k == 247 {  247 }
    else if k == 248 {  248 }
    else if k == 249 { twait! { answer(0, mkevent!(_)); } 249 }
    else if k == 250 {  250 }
    else if k == 251 {  251 }
    else if k == 252 {  252 }
    else if k == 253 {  253 }
    else if k == 254 {  254 }
    else if k == 255 {  255 }
    else if k == 256 {  256 }
    else if k == 257 {  257 }
    else if k == 258 {  258 }
    else if k == 259 {  259 }
    else if k == 260 {  260 }
    else if k == 261 {  261 }
    else if k == 262 {  262 }
    else if k == 263 {  263 }
    else if k == 264 {  264 }
    else if k == 265 {  265 }
    else if k == 266 {  266 }
    else if k == 267 {  267 }
    else if k == 268 {  268 }
    else if k == 269 {  269 }
    else if k == 270 {  270 }
    else if k == 271 {  271 }
    else if k == 272 {  272 }
    else if k == 273 {  273 }
    else if k == 274 {  274 }
    else if k == 275 {  275 }
    else if k == 276 {  276 }
    else if k == 277 {  277 }
    else if k == 278 {  278 }
    else if k == 279 {  279 }
    else if k == 280 {  280 }
    else if k == 281 {  281 }
    else if k == 282 {  282 }
    else if k == 283 {  283 }
    else if k == 284 {  284 }
    else if k == 285 {  285 }
    else if k == 286 {  286 }
    else if k == 287 {  287 }
    else if k == 288 {  288 }
    else if k == 289 {  289 }
    else if k == 290 {  290 }
    else if k == 291 {  291 }
    else if k == 292 {  292 }
    else if k == 293 {  293 }
    else if k == 294 {  294 }
    else if k == 295 {  295 }
    else if k == 296 {  296 }
    else if k == 297 {  297 }
    else if k == 298 {  298 }
    else if k == 299 { twait! { answer(0, mkevent!(_)); } 299 }
    else { 1_000 }
}

#[test]
fn a_chain_of_three_hundred_waiting_branches_compiles_and_runs() {
    for k in [0, 49, 50, 299, 300] {
        assert_eq!(
            tame::run_with(|e| three_hundred(k, e)),
            Some(if k < 300 { k } else { 1_000 })
        );
    }
}
