//! Embeds the libtorch library folder as an rpath so binaries and tests find libtorch at run time
//! without LD_LIBRARY_PATH, and the git commit of the checkout so run manifests can name the
//! exact code that produced a dataset.
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(libtorch) = std::env::var("LIBTORCH") {
        let lib = PathBuf::from(libtorch).join("lib");
        let lib = lib.canonicalize().unwrap_or(lib);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
    git_commit();
}

/// Sets NEWSQUOTES_GIT_COMMIT when building from a git checkout, and reruns when HEAD moves.
fn git_commit() {
    let git = Path::new(".git");
    // Watch only files that exist: cargo treats a missing watched file as always changed.
    for watched in [git.join("HEAD"), git.join("packed-refs")] {
        if watched.is_file() {
            println!("cargo:rerun-if-changed={}", watched.display());
        }
    }
    if let Ok(head) = std::fs::read_to_string(git.join("HEAD")) {
        if let Some(reference) = head.trim().strip_prefix("ref: ") {
            let path = git.join(reference);
            if path.is_file() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    let commit = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok());
    if let Some(commit) = commit {
        println!("cargo:rustc-env=NEWSQUOTES_GIT_COMMIT={}", commit.trim());
    }
}
