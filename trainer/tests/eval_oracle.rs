//! `exedec eval --oracle NETWORK`: one network of the shipped DeepCoder pair replaced by each
//! task's oracle, the other trained; refused where the method has no such network.

use std::path::PathBuf;

use exedec_core::data::ModelKind;
use exedec_core::eval::report_table;
use exedec_core::{Dsl, Method, Split};
use exedec_trainer::eval::{self, EvalArgs};
use exedec_trainer::models::ModelsArg;

mod common;

fn args(method: Method, models: ModelsArg, oracle: Option<ModelKind>, out: PathBuf) -> EvalArgs {
    EvalArgs {
        oracle,
        beam: 4,
        limit: Some(12),
        threads: Some(2),
        quiet: true,
        ..EvalArgs::new(Dsl::DeepCoder, Split::None, method, models, out)
    }
}

fn shipped_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../static/models/deepcoder"))
}

fn shipped() -> ModelsArg {
    ModelsArg::Dir(shipped_dir())
}

#[test]
fn each_half_of_the_pair_can_be_an_oracle() {
    let dir = common::temp("eval-oracle");
    for (oracle, trained) in
        [(ModelKind::Subgoal, ModelKind::Synthesizer), (ModelKind::Synthesizer, ModelKind::Subgoal)]
    {
        // A folder with the trained network's weight file alone: the replaced one's is not read.
        let models = dir.join(format!("{trained}-only"));
        std::fs::create_dir_all(&models).unwrap();
        let file = format!("{trained}.exw");
        std::fs::copy(shipped_dir().join(&file), models.join(&file)).unwrap();
        let report =
            eval::run(args(Method::Exedec, ModelsArg::Dir(models), Some(oracle), dir.join(format!("{oracle}.json"))))
                .unwrap();
        assert_eq!(report.num_tasks, 12);
        assert!(report.tasks.iter().all(|t| t.error.is_none()), "{:?}", report.tasks);
        // The report names the oracle and records only the trained network's weights.
        assert_eq!(report.oracle, Some(oracle));
        assert_eq!(report.networks.iter().map(|n| n.model).collect::<Vec<_>>(), [trained]);
        assert!(report_table(&[report]).contains(&format!("exedec with an oracle {oracle}")));
    }
}

#[test]
fn an_oracle_the_method_does_not_search_with_is_refused() {
    let dir = common::temp("eval-oracle-refused");
    for (method, models, oracle) in [
        (Method::Exedec, shipped(), ModelKind::NoSubgoal),
        (Method::NoSubgoal, shipped(), ModelKind::Subgoal),
        (Method::LatentProgrammer, shipped(), ModelKind::LatentProgrammer),
        (Method::Exedec, ModelsArg::Oracle, ModelKind::Subgoal),
    ] {
        let out = dir.join("refused.json");
        let err = eval::run(args(method, models, Some(oracle), out.clone())).expect_err("refused");
        assert!(err.to_string().contains("--oracle"), "{err}");
        assert!(!out.exists(), "no report for a refused run");
    }
}
