# Drives an interactive zsh through a pseudo-terminal for test/cli/completion.test.ts: loads the
# completion script $1 after compinit, types $2 and TAB, waits until the line shows $3, presses Enter,
# and prints the words `dtc` (a function here) was called with.
zmodload zsh/zpty
zpty z "zsh -f -i"
zpty -w z 'PS1="> "; autoload -U compinit && compinit -u -D; source '${(q)1}'; dtc() { print -r -- "ARGS<$*>" }; print -r -- RE""ADY'
zpty -r z line '*READY*'
zpty -r z line '*> '
zpty -n -w z "$2"$'\t'
all=''
for i in {1..100}; do
  while zpty -rt z chunk; do all+=$chunk; done
  [[ $all == *"$3"* ]] && break
  sleep 0.1
done
zpty -n -w z $'\r'
all=''
for i in {1..100}; do
  while zpty -rt z chunk; do all+=$chunk; done
  [[ $all == *'ARGS<'*'>'* ]] && break
  sleep 0.1
done
print -r -- "${${all##*ARGS<}%%>*}"
zpty -d z
