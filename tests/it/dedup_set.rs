//! A labelled near-duplicate set built from realistic pieces: Arabic and
//! English news stories, each re-published by other outlets with the edits
//! syndication brings (an «عاجل:» or "BREAKING:" prefix, an outlet credit,
//! a dropped or an added paragraph, «اقرأ أيضاً»/"Read also" lines at the
//! end or inline, datelines, another publication date, diacritics,
//! Arabic-Indic digits, other quotes), and pairs of different stories
//! written from the same template (daily casualty reports with other places
//! and numbers). Pair precision and recall are measured through the real
//! LSH band keys and the confirming similarity, both for direct links and
//! for stories as the store forms them (first come, earliest candidate).

use rasad::dedup::Fingerprint;

use crate::lcg::Lcg;

const AR_PLACES: &[&str] = &[
    "دير الزور",
    "الحسكة",
    "القامشلي",
    "الرقة",
    "كوباني",
    "رأس العين",
    "تل أبيض",
    "منبج",
    "الطبقة",
    "عامودا",
    "الدرباسية",
    "المالكية",
];
const AR_VILLAGES: &[&str] = &[
    "ذيبان",
    "الشحيل",
    "البصيرة",
    "هجين",
    "الصور",
    "تل تمر",
    "أبو خشب",
    "الكسرة",
    "العزبة",
    "جديد عكيدات",
    "الحوايج",
    "غرانيج",
    "الباغوز",
    "الجرذي",
];
const AR_DAYS: &[&str] = &[
    "الأحد",
    "الاثنين",
    "الثلاثاء",
    "الأربعاء",
    "الخميس",
    "الجمعة",
    "السبت",
];
const AR_ACTORS: &[&str] = &[
    "قوات سوريا الديمقراطية",
    "قوى الأمن الداخلي",
    "مجلس دير الزور العسكري",
    "الإدارة الذاتية",
    "لجنة الصحة",
    "هيئة الاقتصاد",
    "بلدية الشعب",
];
const AR_TOPICS: &[&str] = &[
    "انقطاع المياه",
    "أزمة الخبز",
    "ارتفاع أسعار المحروقات",
    "حملة اللقاح",
    "افتتاح مدرسة",
    "ترميم جسر",
    "توزيع السلال الغذائية",
    "إصلاح شبكة الكهرباء",
];

/// Arabic sentence templates; `{p}` place, `{v}` village, `{d}` day,
/// `{a}` actor, `{t}` topic, `{n}` `{m}` numbers.
const AR_SENTENCES: &[&str] = &[
    "قالت مصادر محلية، {d}، إن {n} أشخاص قُتلوا وأصيب {m} آخرون في هجوم على نقطة عسكرية ببلدة {v} في ريف {p}.",
    "وأضافت المصادر أن {a} استقدمت تعزيزات إلى محيط البلدة وفرضت حظراً للتجوال حتى إشعار آخر.",
    "وقال مسؤول في {a} إن التحقيقات جارية لمعرفة ملابسات الحادثة، مشيراً إلى توقيف {n} مشتبهين.",
    "ويعاني سكان {p} من {t} منذ {n} أيام، وسط مطالبات بحلول عاجلة من الجهات المعنية.",
    "وأوضح رئيس {a} أن {m} فرق فنية تعمل على معالجة المشكلة، وأن الخدمة ستعود خلال {n} ساعة.",
    "وشهدت مدينة {p} {d} وقفة احتجاجية شارك فيها العشرات للمطالبة بتحسين الخدمات.",
    "وأعلنت {a} عن خطة لدعم المزارعين في ريف {p} تشمل توزيع {n} طن من البذار والأسمدة.",
    "وتأتي هذه التطورات بعد أسبوعين من اشتباكات مماثلة في بلدة {v} أسفرت عن سقوط {m} قتلى.",
    "وأشار أحد الأهالي إلى أن الأسعار ارتفعت بنسبة {n} بالمئة خلال الشهر الأخير بسبب {t}.",
    "وبحسب إحصائية رسمية، بلغ عدد المستفيدين من المشروع في {p} نحو {n} ألف شخص حتى الآن.",
    "ولم يصدر أي تعليق رسمي من {a} حول ما جرى في {v} حتى لحظة إعداد هذا الخبر.",
    "وكانت منظمات إنسانية قد حذرت من تدهور الأوضاع المعيشية في المخيمات القريبة من {p} مع اقتراب فصل الشتاء.",
    "ونقلت مصادر طبية أن {m} من المصابين نُقلوا إلى مستشفى {p} الوطني وحالة بعضهم حرجة.",
    "ويقول ناشطون إن {t} باتت تؤثر على الحياة اليومية لأكثر من {n} عائلة في الريف الشرقي.",
    "وتعهدت {a} بمحاسبة المسؤولين عن التقصير، ودعت الأهالي إلى التعاون مع الجهات المختصة.",
    "وفي سياق متصل، افتتحت {a} مركزاً جديداً في {v} لتقديم الخدمات لنحو {m} آلاف نسمة.",
];

const EN_PLACES: &[&str] = &[
    "Deir ez-Zor",
    "Hasakah",
    "Qamishli",
    "Raqqa",
    "Kobani",
    "Ras al-Ain",
    "Tal Abyad",
    "Manbij",
    "Tabqa",
    "Amuda",
    "Derbasiyah",
    "Malikiyah",
];
const EN_VILLAGES: &[&str] = &[
    "Dhiban",
    "Shuhail",
    "Busayrah",
    "Hajin",
    "al-Sour",
    "Tal Tamr",
    "Abu Khashab",
    "Kasra",
    "Azba",
    "Jadid Ageidat",
    "Hawaij",
    "Gharanij",
    "Baghouz",
    "Jurdhi",
];
const EN_DAYS: &[&str] = &[
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const EN_ACTORS: &[&str] = &[
    "the Syrian Democratic Forces",
    "the Internal Security Forces",
    "the Deir ez-Zor Military Council",
    "the Autonomous Administration",
    "the regional health committee",
    "the economy board",
    "the local council",
];
const EN_TOPICS: &[&str] = &[
    "water cuts",
    "the bread shortage",
    "rising fuel prices",
    "the vaccination campaign",
    "a school reopening",
    "bridge repairs",
    "food basket distribution",
    "power grid repairs",
];

const EN_SENTENCES: &[&str] = &[
    "Local sources said on {d} that {n} people were killed and {m} others wounded in an attack on a checkpoint in the village of {v} in the {p} countryside.",
    "The sources added that {a} sent reinforcements to the area and imposed a curfew until further notice.",
    "An official with {a} said an investigation was under way and that {n} suspects had been detained.",
    "Residents of {p} have been struggling with {t} for {n} days and are calling on the authorities to act quickly.",
    "The head of {a} said {m} technical teams were working on the problem and that service would resume within {n} hours.",
    "Dozens of people gathered in {p} on {d} to demand better services, according to witnesses.",
    "{a} announced a plan to support farmers in rural {p}, including the distribution of {n} tonnes of seed and fertiliser.",
    "The developments come two weeks after similar clashes in {v} that left {m} people dead.",
    "One resident said prices had risen by {n} percent over the past month because of {t}.",
    "According to official figures, about {n} thousand people in {p} have benefited from the project so far.",
    "There was no official comment from {a} on the events in {v} at the time of writing.",
    "Humanitarian groups have warned that living conditions in camps near {p} are deteriorating as winter approaches.",
    "Medical sources said {m} of the wounded were taken to the national hospital in {p}, some in critical condition.",
    "Activists say {t} now affects the daily lives of more than {n} families in the eastern countryside.",
    "{a} pledged to hold those responsible to account and urged residents to cooperate with the authorities.",
    "Separately, {a} opened a new centre in {v} that will serve around {m} thousand people.",
];

struct Lang {
    places: &'static [&'static str],
    villages: &'static [&'static str],
    days: &'static [&'static str],
    actors: &'static [&'static str],
    topics: &'static [&'static str],
    sentences: &'static [&'static str],
}

const AR: Lang = Lang {
    places: AR_PLACES,
    villages: AR_VILLAGES,
    days: AR_DAYS,
    actors: AR_ACTORS,
    topics: AR_TOPICS,
    sentences: AR_SENTENCES,
};
const EN: Lang = Lang {
    places: EN_PLACES,
    villages: EN_VILLAGES,
    days: EN_DAYS,
    actors: EN_ACTORS,
    topics: EN_TOPICS,
    sentences: EN_SENTENCES,
};

/// The facts a story is written from.
#[derive(Clone)]
struct Facts {
    p: String,
    v: String,
    d: String,
    a: String,
    t: String,
    n: u64,
    m: u64,
}

impl Facts {
    fn new(lang: &Lang, rng: &mut Lcg) -> Facts {
        Facts {
            p: rng.pick(lang.places).into(),
            v: rng.pick(lang.villages).into(),
            d: rng.pick(lang.days).into(),
            a: rng.pick(lang.actors).into(),
            t: rng.pick(lang.topics).into(),
            n: rng.num(2, 90),
            m: rng.num(2, 40),
        }
    }

    fn fill(&self, template: &str) -> String {
        let mut s = template
            .replace("{p}", &self.p)
            .replace("{v}", &self.v)
            .replace("{d}", &self.d)
            .replace("{a}", &self.a)
            .replace("{t}", &self.t)
            .replace("{n}", &self.n.to_string())
            .replace("{m}", &self.m.to_string());
        if let Some(first) = s.chars().next() {
            if first.is_lowercase() {
                s = first.to_uppercase().collect::<String>() + &s[first.len_utf8()..];
            }
        }
        s
    }
}

/// A story: five or six paragraphs from the templates, written from facts.
fn story(lang: &Lang, templates: &[usize], facts: &Facts) -> Vec<String> {
    templates
        .iter()
        .map(|&i| facts.fill(lang.sentences[i]))
        .collect()
}

fn templates(lang: &Lang, rng: &mut Lcg) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::new();
    let want = 5 + (rng.next() % 2) as usize;
    while chosen.len() < want {
        let i = (rng.next() as usize) % lang.sentences.len();
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen
}

const ARABIC_INDIC: [char; 10] = ['٠', '١', '٢', '٣', '٤', '٥', '٦', '٧', '٨', '٩'];

/// A re-publication by another outlet, with the edits of variant `k`.
fn syndicate(paras: &[String], arabic: bool, k: u64, rng: &mut Lcg) -> String {
    let mut p: Vec<String> = paras.to_vec();
    if k % 3 == 1 && p.len() > 4 {
        let drop = 1 + (rng.next() as usize) % (p.len() - 1);
        p.remove(drop); // an outlet cuts a paragraph
    }
    let day = 1 + rng.next() % 28;
    if arabic {
        match k % 8 {
            4 => p[0] = format!("القامشلي – {day} تشرين الثاني (نورث برس) – {}", p[0]),
            5 => p.insert(
                2.min(p.len()),
                "اقرأ أيضاً: مقتل 3 أشخاص في هجوم على حاجز بريف الرقة".into(),
            ),
            6 => {
                p.insert(0, format!("نُشر بتاريخ: {day} نوفمبر 2025"));
                p.push("وفي سياق آخر، قال ناشطون إن الأهالي في المنطقة يطالبون منذ أشهر بتحسين الطرق والخدمات الأساسية.".into());
            }
            7 => {
                if p.len() > 4 {
                    p.remove(p.len() - 2);
                }
                p[0] = format!("الرقة، {day} تشرين الثاني {} – {}", 2025, p[0]);
                for para in &mut p {
                    *para = para.replace("في", "فِي").replace("من", "مِنْ");
                }
            }
            0 => p[0] = format!("عاجل: {}", p[0]),
            1 => p.push("اقرأ أيضاً: «الإدارة الذاتية» تعلن خطة جديدة للمياه".into()),
            2 => {
                // Arabic-Indic digits and a credit line
                for para in &mut p {
                    *para = para
                        .chars()
                        .map(|c| c.to_digit(10).map_or(c, |d| ARABIC_INDIC[d as usize]))
                        .collect();
                }
                p.push("المصدر: نورث برس".into());
            }
            _ => {
                // diacritics on common words, other quotes
                for para in &mut p {
                    *para = para
                        .replace("قالت", "قَالَتْ")
                        .replace("إن", "إِنَّ")
                        .replace("«", "\"")
                        .replace("»", "\"");
                }
            }
        }
    } else {
        match k % 8 {
            4 => p[0] = format!("QAMISHLI, Nov {day} (North Press) — {}", p[0]),
            5 => p.insert(
                2.min(p.len()),
                "Read also: 3 killed in attack on Raqqa checkpoint".into(),
            ),
            6 => {
                p.insert(0, format!("Published {day} November 2025"));
                p.push("In other news, residents of the area have for months been asking for better roads and basic services.".into());
            }
            7 => {
                if p.len() > 4 {
                    p.remove(p.len() - 2);
                }
                p[0] = format!("RAQQA, Syria, {day} November 2025 (ANHA) - {}", p[0]);
            }
            0 => p[0] = format!("BREAKING: {}", p[0]),
            1 => p.push("Read also: Administration announces new water plan".into()),
            2 => p[0] = format!("QAMISHLI, Syria (North Press) — {}", p[0]),
            _ => {
                for para in &mut p {
                    *para = para.replace("said", "told reporters").replace('\'', "’");
                }
            }
        }
    }
    p.join("\n")
}

/// Predicted "same story" the way rasad decides it: a shared LSH band key,
/// confirmed by the similarity test.
fn linked(a: &Fingerprint, b: &Fingerprint) -> bool {
    let kb = b.band_keys();
    a.band_keys().iter().any(|k| kb.contains(k)) && a.same_story(b)
}

/// The labelled set: syndicated groups (an original and 3–5 copies), in
/// Arabic and English, and pairs of different stories from one template
/// (long ones and short briefs), which also join the stream as their own
/// groups. Returns (group, text) documents and the template pairs.
#[allow(clippy::type_complexity)]
fn labelled_set() -> (Vec<(usize, String)>, Vec<(String, String)>, usize) {
    let mut rng = Lcg(20251103);
    // (group id, text)
    let mut docs: Vec<(usize, String)> = Vec::new();
    let mut template_pairs: Vec<(String, String)> = Vec::new();
    let mut group = 0;
    for (lang, arabic) in [(&AR, true), (&EN, false)] {
        for _ in 0..18 {
            let t = templates(lang, &mut rng);
            let facts = Facts::new(lang, &mut rng);
            let paras = story(lang, &t, &facts);
            docs.push((group, paras.join("\n")));
            let copies = 3 + rng.next() % 3;
            for k in 0..copies {
                docs.push((
                    group,
                    syndicate(&paras, arabic, k + rng.next() % 8, &mut rng),
                ));
            }
            // a different story from the same templates: other facts
            let mut other = Facts::new(lang, &mut rng);
            while other.p == facts.p && other.v == facts.v {
                other = Facts::new(lang, &mut rng);
            }
            template_pairs.push((paras.join("\n"), story(lang, &t, &other).join("\n")));
            group += 1;
        }
    }
    // Short briefs from one template must never link.
    let briefs_ar = [
        "قُتل شخصان في ريف دير الزور برصاص مجهولين.",
        "قُتل شخص في ريف الحسكة برصاص مجهولين.",
    ];
    let briefs_en = [
        "Two people were killed by unknown gunmen in rural Deir ez-Zor.",
        "One person was killed by unknown gunmen in rural Hasakah.",
    ];
    for [a, b] in [briefs_ar, briefs_en] {
        template_pairs.push((a.to_string(), b.to_string()));
    }
    assert!(group >= 30, "at least 30 syndicated groups");
    assert!(template_pairs.len() >= 30, "at least 30 template pairs");

    // Different stories from the same templates join the stream as their
    // own groups: linking one to its look-alike is a false story.
    for (_, other) in &template_pairs {
        group += 1;
        docs.push((group, other.clone()));
    }

    (docs, template_pairs, group)
}

#[test]
fn labelled_syndication_set() {
    let (docs, template_pairs, group) = labelled_set();
    let fps: Vec<Fingerprint> = docs.iter().map(|(_, t)| Fingerprint::new(t)).collect();
    // Direct links: a shared band key confirmed by the similarity test.
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    // Stories as rasad forms them: each article, in order of arrival, joins
    // the story of the earliest confirmed candidate sharing a band key.
    let stories = form_stories(&fps);
    let (mut stp, mut sfp, mut sfn) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for i in 0..docs.len() {
        for j in i + 1..docs.len() {
            let same = docs[i].0 == docs[j].0;
            let predicted = linked(&fps[i], &fps[j]);
            match (same, predicted) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                _ => {}
            }
            match (same, stories[i] == stories[j]) {
                (true, true) => stp += 1,
                (false, true) => sfp += 1,
                (true, false) => {
                    sfn += 1;
                    misses.push((i, j));
                }
                _ => {}
            }
        }
    }
    let mut template_fp = 0;
    for (a, b) in &template_pairs {
        if linked(&Fingerprint::new(a), &Fingerprint::new(b)) {
            template_fp += 1;
        }
    }
    let precision = tp as f64 / (tp + fp + template_fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    let story_precision = stp as f64 / (stp + sfp).max(1) as f64;
    let story_recall = stp as f64 / (stp + sfn).max(1) as f64;
    println!(
        "syndication set: {} groups, {} documents, {} template pairs\n  direct links: pair precision {precision:.4}, recall {recall:.4} (tp {tp}, fp {fp}, template fp {template_fp}, fn {fn_})\n  stories: pair precision {story_precision:.4}, recall {story_recall:.4} (tp {stp}, fp {sfp}, fn {sfn})",
        group,
        docs.len(),
        template_pairs.len()
    );
    for &(i, j) in misses.iter().take(3) {
        println!(
            "story miss ({:?}):\n{}\n---\n{}\n",
            fps[i].compare(&fps[j]),
            docs[i].1,
            docs[j].1
        );
    }
    assert_eq!(fp + template_fp, 0, "no false direct link");
    assert_eq!(sfp, 0, "no false story");
    assert!(story_recall >= 0.95, "story pair recall {story_recall}");
}

/// Story ids the way the store assigns them (`Store::link_story`).
fn form_stories(fps: &[Fingerprint]) -> Vec<usize> {
    use std::collections::HashMap;
    let mut by_key: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut story = Vec::with_capacity(fps.len());
    for (i, fp) in fps.iter().enumerate() {
        let keys = fp.band_keys();
        let mut candidates: Vec<usize> = keys
            .iter()
            .filter_map(|k| by_key.get(k))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let own = candidates
            .iter()
            .take(64)
            .find(|&&c| fp.same_story(&fps[c]))
            .map_or(i, |&c| story[c]);
        story.push(own);
        for k in keys {
            by_key.entry(k).or_default().push(i);
        }
    }
    story
}
