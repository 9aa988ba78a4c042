use std::sync::Arc;
#[derive(Debug)]
struct Dummy;
impl countersign::SigningKey for Dummy {
    fn choose_scheme(&self, _: countersign::DigestAlgorithm) -> Option<Box<dyn countersign::Signer>> { None }
}
fn main() {
    let key = countersign::CertifiedKey::new(vec![], Arc::new(Dummy));
    let out_dir = std::env::var("OUT").unwrap_or("/tmp/scan".into());
    std::fs::create_dir_all(&out_dir).unwrap();
    for path in std::env::args().skip(1) {
        let data = std::fs::read(&path).unwrap();
        let name = path.rsplit('/').next().unwrap();
        let opts = countersign::SignOptions { signing_time: Some(std::time::UNIX_EPOCH), ..Default::default() };
        match countersign::sign::prepare_update(&data, &key, &opts) {
            Err(e) => println!("{name}: ERR {e}"),
            Ok(p) => {
                let mut out = data.clone();
                out.extend_from_slice(&p.update);
                std::fs::write(format!("{out_dir}/{name}"), &out).unwrap();
                println!("{name}: ok {}", p.field_name);
            }
        }
    }
}
