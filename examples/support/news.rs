//! Synthetic news for the store benches: common function words, a long
//! tail of other words (Zipf-like), one topic and one or two places per
//! article, so a place or topic query matches a few percent of the store,
//! as in a real regional archive.

use super::lcg::Lcg;

const AR_COMMON: &[&str] = &[
    "في",
    "من",
    "إلى",
    "على",
    "أن",
    "إن",
    "قال",
    "مصادر",
    "التي",
    "الذي",
    "بين",
    "بعد",
    "مع",
    "عن",
    "حتى",
];
const EN_COMMON: &[&str] = &[
    "the", "of", "to", "in", "and", "a", "said", "on", "that", "for", "with", "by", "from", "as",
    "at",
];
const AR_PLACES: &[&str] = &[
    "الحسكة",
    "القامشلي",
    "الرقة",
    "كوباني",
    "دير الزور",
    "منبج",
    "الطبقة",
    "رأس العين",
    "تل أبيض",
    "عامودا",
    "المالكية",
    "الشدادي",
    "هجين",
    "البصيرة",
    "الهول",
    "عين عيسى",
    "تل تمر",
    "الدرباسية",
    "اليعربية",
    "الصور",
];
const EN_PLACES: &[&str] = &[
    "Hasakah",
    "Qamishli",
    "Raqqa",
    "Kobani",
    "Deir ez-Zor",
    "Manbij",
    "Tabqa",
    "Ras al-Ain",
    "Tal Abyad",
    "Amuda",
    "Malikiyah",
    "Shaddadi",
    "Hajin",
    "Busayrah",
    "al-Hol",
    "Ain Issa",
    "Tal Tamr",
    "Derbasiyah",
    "Yarubiyah",
    "al-Sour",
];
const AR_TOPICS: &[&str] = &[
    "الاقتصاد",
    "المياه",
    "الكهرباء",
    "المدارس",
    "الخبز",
    "المحروقات",
    "الاعتقالات",
    "المساعدات",
    "اللاجئين",
    "الانتخابات",
    "الزراعة",
    "الصحة",
    "اللقاح",
    "الجفاف",
    "القمح",
    "النفط",
    "الحدود",
    "المعابر",
    "الطرق",
    "السجون",
];
const EN_TOPICS: &[&str] = &[
    "economy",
    "water",
    "electricity",
    "schools",
    "bread",
    "fuel",
    "arrests",
    "aid",
    "refugees",
    "elections",
    "farming",
    "health",
    "vaccine",
    "drought",
    "wheat",
    "oil",
    "border",
    "crossings",
    "roads",
    "prisons",
];

/// A pseudo-word from a 20,000-word tail, drawn Zipf-like.
fn tail_word(rng: &mut Lcg, arabic: bool) -> String {
    let r = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    let rank = (20_000f64.powf(r)) as u64; // log-uniform ≈ Zipf
    let letters: &[char] = if arabic {
        &[
            'ب', 'ت', 'ج', 'ح', 'د', 'ر', 'س', 'ش', 'ع', 'ف', 'ق', 'ك', 'ل', 'م', 'ن', 'ه',
        ]
    } else {
        &[
            'b', 'c', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'z',
        ]
    };
    let mut id = rank;
    let mut w = String::new();
    for _ in 0..4 {
        w.push(letters[(id % 16) as usize]);
        id /= 16;
    }
    w
}

pub fn article(rng: &mut Lcg, arabic: bool) -> (String, String) {
    let (common, places, topics) = if arabic {
        (AR_COMMON, AR_PLACES, AR_TOPICS)
    } else {
        (EN_COMMON, EN_PLACES, EN_TOPICS)
    };
    let place = rng.pick(places);
    let place2 = rng.pick(places);
    let topic = rng.pick(topics);
    let mut body: Vec<String> = Vec::with_capacity(150);
    for i in 0..150 {
        let w = match rng.next() % 10 {
            0..=3 => rng.pick(common).to_string(),
            4 if i % 3 == 0 => topic.to_string(),
            5 if i % 40 == 0 => place.to_string(),
            6 if i % 70 == 0 => place2.to_string(),
            _ => tail_word(rng, arabic),
        };
        body.push(w);
    }
    let title = format!("{topic} {} {place}", rng.pick(common));
    (title, body.join(" "))
}
